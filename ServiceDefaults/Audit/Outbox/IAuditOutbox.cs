using HealthPlatform.Contracts.Audit;

namespace HealthPlatform.ServiceDefaults.Audit.Outbox;

/// <summary>
/// Stores events in the outbox on their own (no change of the caller's goes with them): where an
/// event could not be confirmed directly and the caller has nothing to withhold — a denial, for
/// instance — it is kept here until the relay can send it.
/// </summary>
public interface IAuditOutbox
{
    /// <summary>Stores all of <paramref name="events"/> in one transaction.</summary>
    Task StoreAsync(IEnumerable<AuditEvent> events, CancellationToken cancellationToken);
}
