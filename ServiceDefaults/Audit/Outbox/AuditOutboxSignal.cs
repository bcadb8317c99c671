using HealthPlatform.ServiceDefaults.Hosting;

namespace HealthPlatform.ServiceDefaults.Audit.Outbox;

/// <summary>Wakes the relay when this instance has just committed outbox rows, so it need not wait for its next poll.</summary>
internal sealed class AuditOutboxSignal : WakeSignal;
