using System.Text;
using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.ServiceDefaults.Data;

/// <summary>
/// Gives a service's runtime role exactly what the service's <see cref="IDatabaseGrants{TContext}"/>
/// lists, as the schema's owner: everything it had on tables and sequences is revoked first, then
/// it may connect, read the migration history and use the sequences, and have the grants given.
/// Refuses a runtime role that is the owner itself. Idempotent.
/// </summary>
public static class RuntimeRoleGrants
{
    /// <param name="grants">
    /// Grant statements written in code (never from input), with <c>%I</c> where the runtime role goes,
    /// e.g. <c>GRANT SELECT, INSERT ON audit_entries TO %I</c>.
    /// </param>
    public static async Task ApplyAsync(DbContext owner, string runtimeRole, IEnumerable<string> grants, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(grants);
        var block = new StringBuilder("""
            DO $$
            DECLARE
                runtime text := current_setting('healthplatform.runtime_role');
            BEGIN
                IF runtime = current_user THEN
                    RAISE EXCEPTION 'The service must not run as the owner of its schema (%).', runtime;
                END IF;
                EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), runtime);
                EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', runtime);
                EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %I', runtime);
                EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM %I', runtime);
                EXECUTE format('GRANT SELECT ON "__EFMigrationsHistory" TO %I', runtime);
                EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %I', runtime);

            """);
        foreach (var grant in grants)
        {
            if (grant.Contains('\'', StringComparison.Ordinal) || grant.Contains('$', StringComparison.Ordinal))
            {
                throw new ArgumentException($"A grant statement may not quote: {grant}", nameof(grants));
            }

            block.Append("    EXECUTE format('").Append(grant).AppendLine("', runtime);");
        }

        block.Append("END $$");

        // DDL takes no parameters: the role name goes through a session setting read by format(%I), on
        // one connection held open for both statements.
        await owner.Database.OpenConnectionAsync(cancellationToken);
        await owner.Database.ExecuteSqlAsync($"SELECT set_config('healthplatform.runtime_role', {runtimeRole}, false)", cancellationToken);
        await owner.Database.ExecuteSqlRawAsync(block.ToString(), cancellationToken);
    }
}
