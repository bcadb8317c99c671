using HealthPlatform.Contracts.Audit;
using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.ServiceDefaults.Audit;

/// <summary>
/// The one way a service writes to the audit trail. Events go to the durable audit queue, which
/// the producer declares itself, so events sent before the audit service has ever run are kept.
/// </summary>
public interface IAuditTrail
{
    /// <summary>A fresh header: a new event id, the current time, this service, the current trace.</summary>
    AuditHeader NewHeader();

    /// <summary>
    /// Sends the event and waits until the broker has confirmed it (written it to the durable
    /// queue). Use before returning patient data: if this throws, return none.
    /// </summary>
    /// <exception cref="AuditUnavailableException">The broker did not confirm the event within the configured time (or the event was malformed, outside Development).</exception>
    /// <exception cref="InvalidAuditEventException">In Development: the event fails its schema.</exception>
    Task RecordAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds the event to <paramref name="database"/>'s audit outbox: it is stored by the caller's
    /// next <c>SaveChanges</c>, in the same transaction as the change it describes, and the relay
    /// sends it once the broker confirms. Use for events that follow a database write.
    /// </summary>
    /// <exception cref="AuditUnavailableException">Outside Development: the event is malformed.</exception>
    /// <exception cref="InvalidAuditEventException">In Development: the event fails its schema.</exception>
    void Enqueue(DbContext database, AuditEvent auditEvent);
}
