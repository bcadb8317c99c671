namespace HealthPlatform.KeyManagement.Client;

/// <summary>The key-management service refused an operation; <see cref="Code"/> is its ProblemDetails <c>code</c> (e.g. <c>not-allowed</c>).</summary>
public class KeyManagementException : Exception
{
    public KeyManagementException()
    {
    }

    public KeyManagementException(string message)
        : base(message)
    {
    }

    public KeyManagementException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public KeyManagementException(string code, int status, string message)
        : base(message)
    {
        Code = code;
        Status = status;
    }

    public string? Code { get; }

    public int Status { get; }
}

/// <summary>The subject's key was destroyed (crypto-shredding): their data can never be decrypted again.</summary>
public sealed class SubjectKeyDestroyedException : KeyManagementException
{
    public const string ProblemCode = "subject-key-destroyed";

    public SubjectKeyDestroyedException()
    {
    }

    public SubjectKeyDestroyedException(string message)
        : base(message)
    {
    }

    public SubjectKeyDestroyedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SubjectKeyDestroyedException(string keyName, string subjectId)
        : base(ProblemCode, 410, $"The subject's key under {keyName} was destroyed: their data can no longer be decrypted.")
    {
        KeyName = keyName;
        SubjectId = subjectId;
    }

    public string? KeyName { get; }

    public string? SubjectId { get; }
}
