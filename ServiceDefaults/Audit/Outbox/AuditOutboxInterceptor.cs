using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace HealthPlatform.ServiceDefaults.Audit.Outbox;

/// <summary>
/// After a SaveChanges of a context holding outbox rows, wakes the relay. (Rows saved inside an
/// explicit transaction may not be committed yet; the relay then finds them on its next poll.)
/// </summary>
internal sealed class AuditOutboxInterceptor(AuditOutboxSignal signal) : SaveChangesInterceptor
{
    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        NotifyIfOutboxed(eventData.Context);
        return base.SavedChangesAsync(eventData, result, cancellationToken);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        NotifyIfOutboxed(eventData.Context);
        return base.SavedChanges(eventData, result);
    }

    private void NotifyIfOutboxed(DbContext? context)
    {
        if (context is not null && context.ChangeTracker.Entries<AuditOutboxMessage>().Any())
        {
            signal.Notify();
        }
    }
}
