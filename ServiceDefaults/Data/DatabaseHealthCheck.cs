using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthPlatform.ServiceDefaults.Data;

internal sealed class DatabaseHealthCheck<TContext>(DatabaseInitializer<TContext> initializer, TContext context) : IHealthCheck
    where TContext : DbContext
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext healthContext, CancellationToken cancellationToken = default)
    {
        if (!initializer.Completed.IsCompletedSuccessfully)
        {
            return HealthCheckResult.Unhealthy("Migrations have not been applied yet");
        }

        return await context.Database.CanConnectAsync(cancellationToken)
            ? HealthCheckResult.Healthy("Connected")
            : HealthCheckResult.Unhealthy("Cannot connect to the database");
    }
}
