namespace HealthPlatform.Consent.Client;

/// <summary>The consent service gave no decision (refused the question, or could not be reached): deny.</summary>
public sealed class ConsentDecisionException : Exception
{
    public ConsentDecisionException()
    {
    }

    public ConsentDecisionException(string message)
        : base(message)
    {
    }

    public ConsentDecisionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
