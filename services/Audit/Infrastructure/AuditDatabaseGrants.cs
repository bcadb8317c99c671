using HealthPlatform.ServiceDefaults.Data;
using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.Audit.Infrastructure;

/// <summary>
/// The audit service runs as a role that may read and append the log but never change it: on
/// <c>audit_entries</c> and <c>audit_checkpoints</c> it has SELECT and INSERT only, so an UPDATE,
/// DELETE or TRUNCATE through the service — a bug, an injection, a stolen password — fails with a
/// permission error. Of an alert only the acknowledgement can be changed; of the detection cursor
/// only its position. The schema's owner (which migrates) is a different role the service does not
/// run as. Applied by the owner after every migration run; idempotent.
/// </summary>
public sealed class AuditDatabaseGrants : IDatabaseGrants<AuditDbContext>
{
    public static readonly string[] AppendOnlyTables = ["audit_entries", "audit_checkpoints"];

    public async Task GrantAsync(AuditDbContext owner, string runtimeRole, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(owner);
        // DDL takes no parameters: the role name goes through a session setting and format(%I),
        // on one connection held open for both statements. The outbox is not the log but the
        // service's own queue of events to send: it reads rows FOR UPDATE and deletes them once sent.
        await owner.Database.OpenConnectionAsync(cancellationToken);
        await owner.Database.ExecuteSqlAsync($"SELECT set_config('healthplatform.runtime_role', {runtimeRole}, false)", cancellationToken);
        await owner.Database.ExecuteSqlRawAsync("""
            DO $$
            DECLARE
                runtime text := current_setting('healthplatform.runtime_role');
            BEGIN
                IF runtime = current_user THEN
                    RAISE EXCEPTION 'The audit service must not run as the owner of its schema (%).', runtime;
                END IF;
                EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), runtime);
                EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', runtime);
                EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %I', runtime);
                EXECUTE format('GRANT SELECT ON "__EFMigrationsHistory" TO %I', runtime);
                EXECUTE format('GRANT SELECT, INSERT ON audit_entries, audit_checkpoints TO %I', runtime);
                EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON audit_outbox TO %I', runtime);
                EXECUTE format('GRANT SELECT, INSERT ON audit_alerts TO %I', runtime);
                EXECUTE format('GRANT UPDATE (acknowledged_at, acknowledged_by, acknowledgement_note) ON audit_alerts TO %I', runtime);
                EXECUTE format('GRANT SELECT, UPDATE (sequence) ON audit_detection_cursor TO %I', runtime);
                EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %I', runtime);
            END $$
            """, cancellationToken);
    }
}
