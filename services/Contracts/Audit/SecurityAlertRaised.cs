namespace HealthPlatform.Contracts.Audit;

public enum AlertRule
{
    HighVolume = 1,
    ManyDistinctPatients,
    OffHoursAccess,
    BreakTheGlassUsed,
    DenialSpike,
    RevokedTokenUse,
}

public enum AlertSeverity
{
    Low = 1,
    Medium,
    High,
    Critical,
}

/// <summary>A detection rule fired: who, which rule, how much in which window, and the events behind it.</summary>
public sealed record SecurityAlertRaised : AuditEvent
{
    public const int CurrentSchemaVersion = 1;

    public override int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required AlertRule Rule { get; init; }

    public required AlertSeverity Severity { get; init; }

    /// <summary>The actor whose behaviour raised the alert.</summary>
    public required AuditActor Actor { get; init; }

    /// <summary>What the rule counted in the window (accesses, distinct patients, denials).</summary>
    public required int ObservedCount { get; init; }

    public required DateTimeOffset WindowStart { get; init; }

    public required DateTimeOffset WindowEnd { get; init; }

    /// <summary>Ids of the audit events that made the rule fire (bounded; the first ones).</summary>
    public IReadOnlyList<Guid> RelatedEventIds { get; init; } = [];
}
