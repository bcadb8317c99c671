namespace HealthPlatform.Contracts.Audit;

/// <summary>
/// An entry for the audit trail. Every event carries a unique id (the audit service stores each id
/// once, so a redelivered event is harmless) and the version of its own schema. Fields are ids,
/// codes and enumerations only: there is deliberately no free-text field, because free text is
/// where diagnoses and names end up. A patient appears only by their FHIR Patient id.
/// </summary>
public abstract record AuditEvent
{
    /// <summary>When, where and in which trace the event happened, and its unique id.</summary>
    public required AuditHeader Header { get; init; }

    /// <summary>The version of this event type's schema the producer wrote.</summary>
    public abstract int SchemaVersion { get; init; }
}

/// <summary>What every audit event has in common, filled in by the producing service.</summary>
public sealed record AuditHeader
{
    public required Guid EventId { get; init; }

    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>The producing service (its application name, e.g. <c>records</c>).</summary>
    public required string Source { get; init; }

    /// <summary>The W3C trace id (32 hex digits) of the request or message that caused the event.</summary>
    public string? TraceId { get; init; }
}
