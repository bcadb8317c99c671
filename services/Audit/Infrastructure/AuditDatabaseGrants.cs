using HealthPlatform.ServiceDefaults.Data;

namespace HealthPlatform.Audit.Infrastructure;

/// <summary>
/// The audit service runs as a role that may read and append the log but never change it: on
/// <c>audit_entries</c> and <c>audit_checkpoints</c> it has SELECT and INSERT only, so an UPDATE,
/// DELETE or TRUNCATE through the service — a bug, an injection, a stolen password — fails with a
/// permission error. Of an alert only the acknowledgement can be changed; of the detection cursor
/// only its position. The outbox is not the log but the service's own queue of events to send: it
/// reads rows FOR UPDATE and deletes them once sent. The schema's owner (which migrates) is a
/// different role the service does not run as.
/// </summary>
public sealed class AuditDatabaseGrants : IDatabaseGrants<AuditDbContext>
{
    public IReadOnlyList<string> AppendOnlyTables { get; } = ["audit_entries", "audit_checkpoints"];

    public IReadOnlyList<string> UpdatableColumns { get; } = [];

    public Task GrantAsync(AuditDbContext owner, string runtimeRole, CancellationToken cancellationToken) =>
        RuntimeRoleGrants.ApplyAsync(owner, runtimeRole,
        [
            "GRANT SELECT, INSERT ON audit_entries, audit_checkpoints TO %I",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON audit_outbox TO %I",
            "GRANT SELECT, INSERT ON audit_alerts TO %I",
            "GRANT UPDATE (acknowledged_at, acknowledged_by, acknowledgement_note) ON audit_alerts TO %I",
            "GRANT SELECT, UPDATE (sequence) ON audit_detection_cursor TO %I",
        ],
        cancellationToken);
}
