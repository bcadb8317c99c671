namespace HealthPlatform.Audit.Ledger;

/// <summary>Settings of the audit log (section <c>AuditLog</c>); the producer's own settings are under <c>Audit</c>.</summary>
public sealed class AuditLogOptions
{
    public const string SectionName = "AuditLog";

    /// <summary>An event whose message body is larger than this goes to the error queue, unstored.</summary>
    public int MaxEventBytes { get; set; } = 16 * 1024;

    /// <summary>Most events stored in one transaction; also how many the service takes from the queue at once.</summary>
    public int MaxBatchSize { get; set; } = 500;

    /// <summary>How often the chain head is signed, when it has moved.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The key-management signing key for checkpoints.</summary>
    public string SigningKey { get; set; } = "audit-signing";
}
