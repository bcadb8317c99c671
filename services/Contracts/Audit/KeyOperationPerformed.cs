namespace HealthPlatform.Contracts.Audit;

public enum KeyOperation
{
    GenerateDataKey = 1,
    GenerateDataKeyWithoutPlaintext,
    Unwrap,
    Rewrap,
    GetSubjectKey,
    DestroySubjectKey,
    Rotate,
    SetMinimumDecryptionVersion,
    RotateRootKey,
    Sign,
    Verify,

    /// <summary>Versions, dates and counts of a key — never its material.</summary>
    ReadMetadata,
}

/// <summary>An operation on a key in the key-management service; never any key material.</summary>
public sealed record KeyOperationPerformed : AuditEvent
{
    public const int CurrentSchemaVersion = 1;

    public override int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required AuditActor Actor { get; init; }

    public required KeyOperation Operation { get; init; }

    /// <summary>The key's name, e.g. <c>records-phi</c>.</summary>
    public required string KeyName { get; init; }

    public int? KeyVersion { get; init; }

    /// <summary>For per-subject keys: the subject (a FHIR Patient id).</summary>
    public string? SubjectId { get; init; }

    public required AuditOutcome Outcome { get; init; }

    /// <summary>For administrative operations: why, as the security officer stated it (e.g. an erasure request's reference).</summary>
    public string? Reason { get; init; }
}
