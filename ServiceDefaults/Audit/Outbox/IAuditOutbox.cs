using HealthPlatform.Contracts.Audit;

namespace HealthPlatform.ServiceDefaults.Audit.Outbox;

/// <summary>
/// Stores an event in the outbox on its own (no change of the caller's goes with it): where an
/// event could not be confirmed directly and the caller has nothing to withhold — a denial, for
/// instance — it is kept here until the relay can send it.
/// </summary>
public interface IAuditOutbox
{
    Task StoreAsync(AuditEvent auditEvent, CancellationToken cancellationToken);
}
