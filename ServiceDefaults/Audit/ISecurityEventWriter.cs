using HealthPlatform.Contracts.Audit;

namespace HealthPlatform.ServiceDefaults.Audit;

/// <summary>
/// Records security events off the request path: the caller hands the event over and moves on;
/// it is sent with confirms in batches, or stored in the audit outbox when the broker does not
/// confirm. When the hand-over queue is full the caller waits for room — events are not dropped.
/// Use for events that must not slow or fail the request they describe (refusals, tokens issued).
/// </summary>
public interface ISecurityEventWriter
{
    ValueTask WriteAsync(SecurityEventRecorded securityEvent, CancellationToken cancellationToken);
}
