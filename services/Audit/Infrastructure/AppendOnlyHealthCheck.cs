using Microsoft.Extensions.Diagnostics.HealthChecks;
using HealthPlatform.ServiceDefaults.Data;
using Npgsql;

namespace HealthPlatform.Audit.Infrastructure;

/// <summary>
/// Unhealthy — not ready — while the role the service runs as could change the log: a superuser,
/// the tables' owner, or a role with UPDATE, DELETE or TRUNCATE on them. A misconfigured
/// deployment shows here instead of silently losing the log's guarantee.
/// </summary>
public sealed class AppendOnlyHealthCheck(NpgsqlDataSource database, DatabaseInitializer<AuditDbContext> migrations) : IHealthCheck
{
    public const string Name = "audit-append-only";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!migrations.Completed.IsCompletedSuccessfully)
        {
            return HealthCheckResult.Unhealthy("The audit tables are not there until the migrations are applied.");
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var check = new NpgsqlCommand("""
            SELECT r.rolsuper
                OR bool_or(pg_has_role(current_user, c.relowner, 'USAGE'))
                OR bool_or(has_table_privilege(c.oid, 'UPDATE') OR has_table_privilege(c.oid, 'DELETE') OR has_table_privilege(c.oid, 'TRUNCATE'))
            FROM pg_class c, pg_roles r
            WHERE c.relname = ANY(@tables) AND c.relkind = 'r' AND r.rolname = current_user
            GROUP BY r.rolsuper
            """, connection);
        check.Parameters.AddWithValue("tables", AuditDatabaseGrants.AppendOnlyTables);
        return await check.ExecuteScalarAsync(cancellationToken) switch
        {
            false => HealthCheckResult.Healthy("The service's role can only read and append the log."),
            true => HealthCheckResult.Unhealthy("The service's database role can change or delete audit entries; run it as the append-only role."),
            _ => HealthCheckResult.Unhealthy("The audit tables do not exist yet."),
        };
    }
}
