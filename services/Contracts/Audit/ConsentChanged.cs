namespace HealthPlatform.Contracts.Audit;

public enum ConsentChange
{
    Created = 1,
    Updated,
    Revoked,
}

/// <summary>A patient's consent was created, changed or revoked; what it says stays in the consent service.</summary>
public sealed record ConsentChanged : AuditEvent
{
    public const int CurrentSchemaVersion = 1;

    public override int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required AuditActor Actor { get; init; }

    public required ConsentChange Change { get; init; }

    /// <summary>The FHIR Consent id.</summary>
    public required string ConsentId { get; init; }

    /// <summary>The consent's version after the change.</summary>
    public required int Version { get; init; }

    public required string PatientId { get; init; }

    /// <summary>True when staff recorded the consent on the patient's behalf.</summary>
    public bool RecordedOnBehalfOfPatient { get; init; }
}
