using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace HealthPlatform.ServiceDefaults.Data;

/// <summary>
/// Unhealthy — not ready — while the role the service runs as could change what must only grow
/// (<see cref="IDatabaseGrants{TContext}.AppendOnlyTables"/>): a superuser, a member of the tables'
/// owner, or a role that may delete, truncate, or update a column not in
/// <see cref="IDatabaseGrants{TContext}.UpdatableColumns"/>. A misconfigured deployment shows here
/// instead of silently losing the guarantee.
/// </summary>
internal sealed class AppendOnlyHealthCheck<TContext>(
    IServiceScopeFactory scopes, DatabaseInitializer<TContext> migrations, IDatabaseGrants<TContext> grants) : IHealthCheck
    where TContext : DbContext
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!migrations.Completed.IsCompletedSuccessfully)
        {
            return HealthCheckResult.Unhealthy("The tables are not there until the migrations are applied.");
        }

        await using var scope = scopes.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<TContext>().Database;
        await using var connection = new NpgsqlConnection(database.GetConnectionString());
        await connection.OpenAsync(cancellationToken);
        // Membership counts whether or not it is inherited (a member can SET ROLE to the owner);
        // has_column_privilege sees a grant on the whole table and one on a single column alike.
        await using var check = new NpgsqlCommand("""
            SELECT r.rolsuper
                OR bool_or(pg_has_role(current_user, c.relowner, 'MEMBER'))
                OR bool_or(has_table_privilege(c.oid, 'DELETE') OR has_table_privilege(c.oid, 'TRUNCATE'))
                OR bool_or(EXISTS (
                    SELECT 1 FROM pg_attribute a
                    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                      AND has_column_privilege(c.oid, a.attnum, 'UPDATE')
                      AND NOT (c.relname || '.' || a.attname) = ANY(@updatable)))
            FROM pg_class c, pg_roles r
            WHERE c.relname = ANY(@tables) AND c.relkind = 'r' AND r.rolname = current_user
            GROUP BY r.rolsuper
            """, connection);
        check.Parameters.AddWithValue("tables", grants.AppendOnlyTables.ToArray());
        check.Parameters.AddWithValue("updatable", grants.UpdatableColumns.ToArray());
        var tables = string.Join(", ", grants.AppendOnlyTables);
        return await check.ExecuteScalarAsync(cancellationToken) switch
        {
            false => HealthCheckResult.Healthy($"The service's role can only read and append to {tables}."),
            true => HealthCheckResult.Unhealthy($"The service's database role can change or delete rows of {tables}; run it as the runtime role."),
            _ => HealthCheckResult.Unhealthy($"{tables} do not exist yet."),
        };
    }
}
