namespace HealthPlatform.LocalInfrastructure;

/// <summary>A local server cannot be started; the message says what to install or change.</summary>
public sealed class LocalInfrastructureException : Exception
{
    public LocalInfrastructureException()
    {
    }

    public LocalInfrastructureException(string message)
        : base(message)
    {
    }

    public LocalInfrastructureException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
