using HealthPlatform.ServiceDefaults.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace HealthPlatform.ServiceDefaults.Audit.Outbox;

/// <summary>
/// Degraded while an audit event has waited in the outbox longer than
/// <see cref="AuditTrailOptions.OutboxAlertAge"/>: the broker is down or refusing, and the audit
/// trail is falling behind. Degraded keeps the service in rotation (nothing is lost; the relay
/// catches up) while showing operators that something needs them.
/// </summary>
internal sealed class AuditOutboxHealthCheck<TContext>(TContext database, TimeProvider time, IOptions<AuditTrailOptions> options, DatabaseInitializer<TContext>? initializer = null) : IHealthCheck
    where TContext : DbContext
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (initializer is { Completed.IsCompleted: false })
        {
            return HealthCheckResult.Unhealthy("The audit outbox is not there until the database migrations are applied.");
        }

        var oldest = await database.Set<AuditOutboxMessage>().MinAsync(message => (DateTimeOffset?)message.CreatedAt, cancellationToken);
        return oldest is { } created && time.GetUtcNow() - created > options.Value.OutboxAlertAge
            ? HealthCheckResult.Degraded("Audit events are waiting in the outbox for the broker")
            : HealthCheckResult.Healthy("Audit outbox is keeping up");
    }
}
