using HealthPlatform.Contracts.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace HealthPlatform.ServiceDefaults.Audit.Outbox;

internal sealed class AuditOutboxStore<TContext>(IServiceScopeFactory scopes, IAuditTrail trail) : IAuditOutbox
    where TContext : DbContext
{
    public async Task StoreAsync(IEnumerable<AuditEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        await using var scope = scopes.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<TContext>();
        foreach (var auditEvent in events)
        {
            trail.Enqueue(database, auditEvent);
        }

        await database.SaveChangesAsync(cancellationToken);
    }
}
