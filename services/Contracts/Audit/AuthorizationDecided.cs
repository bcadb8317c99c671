namespace HealthPlatform.Contracts.Audit;

/// <summary>An authorization decision about patient data: permit or deny, which step decided and why.</summary>
public sealed record AuthorizationDecided : AuditEvent
{
    public const int CurrentSchemaVersion = 1;

    public override int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required AuditActor Actor { get; init; }

    public required AuthorizationDecision Decision { get; init; }

    public required DecisionStep DecidingStep { get; init; }

    public required DecisionReason Reason { get; init; }

    public string? ResourceType { get; init; }

    public string? PatientId { get; init; }

    public PurposeOfUse? PurposeOfUse { get; init; }

    public bool BreakTheGlass { get; init; }
}
