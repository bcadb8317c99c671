namespace HealthPlatform.Contracts.Audit;

/// <summary>
/// An access to one patient's data (IHE BALP: one event per patient). A search that returned
/// resources of several patients is recorded as one event for each of them.
/// </summary>
public sealed record PatientDataAccessed : AuditEvent
{
    public const int CurrentSchemaVersion = 1;

    public override int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required AuditActor Actor { get; init; }

    public required AuditAction Action { get; init; }

    /// <summary>The FHIR resource type, e.g. <c>Observation</c>.</summary>
    public required string ResourceType { get; init; }

    /// <summary>FHIR ids of the resources touched (empty for a search that found nothing).</summary>
    public IReadOnlyList<string> ResourceIds { get; init; } = [];

    /// <summary>The FHIR Patient id whose data this is.</summary>
    public required string PatientId { get; init; }

    public required AuditOutcome Outcome { get; init; }

    public required PurposeOfUse PurposeOfUse { get; init; }

    public bool BreakTheGlass { get; init; }

    /// <summary>Required exactly when <see cref="BreakTheGlass"/> is set.</summary>
    public BreakTheGlassReason? BreakTheGlassReason { get; init; }
}
