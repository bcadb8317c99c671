namespace HealthPlatform.ServiceDefaults.Audit;

/// <summary>
/// The audit trail could not record an event. A caller about to return patient data must not
/// return it (records answers 503). The message names the event type only, never its content.
/// </summary>
public sealed class AuditUnavailableException : Exception
{
    public AuditUnavailableException()
        : base("The audit trail is unavailable.")
    {
    }

    public AuditUnavailableException(string message)
        : base(message)
    {
    }

    public AuditUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>An audit event fails its own schema: a bug in the producer, refused loudly in Development.</summary>
public sealed class InvalidAuditEventException : Exception
{
    public InvalidAuditEventException()
        : base("The audit event is malformed.")
    {
    }

    public InvalidAuditEventException(string message)
        : base(message)
    {
    }

    public InvalidAuditEventException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
