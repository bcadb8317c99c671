using HealthPlatform.ServiceDefaults.Data;

namespace HealthPlatform.Consent.Infrastructure;

/// <summary>
/// The consent service runs as a role that can record consents but never rewrite what was recorded:
/// a consent's versions (<c>consent_versions</c>, the sealed history a patient and an auditor rely on)
/// may be read and appended, and only their publication mark set; nothing may be deleted. Of a
/// consent's head row (<c>consents</c>) only the current version, status and time change, and only
/// to the next recorded version (a trigger, ADR-011). The outbox
/// is the service's own queue of audit events: it reads rows FOR UPDATE and deletes them once sent.
/// The schema's owner (which migrates) is a different role the service does not run as.
/// </summary>
public sealed class ConsentDatabaseGrants : IDatabaseGrants<ConsentDbContext>
{
    public IReadOnlyList<string> AppendOnlyTables { get; } = ["consent_versions", "consents"];

    public IReadOnlyList<string> UpdatableColumns { get; } =
        ["consent_versions.published_at", "consents.version", "consents.status", "consents.last_updated"];

    public Task GrantAsync(ConsentDbContext owner, string runtimeRole, CancellationToken cancellationToken) =>
        RuntimeRoleGrants.ApplyAsync(owner, runtimeRole,
        [
            "GRANT SELECT, INSERT ON consent_versions, consents TO %I",
            "GRANT UPDATE (published_at) ON consent_versions TO %I",
            "GRANT UPDATE (version, status, last_updated) ON consents TO %I",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON audit_outbox TO %I",
        ],
        cancellationToken);
}
