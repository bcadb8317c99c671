using System.Diagnostics.Metrics;

namespace HealthPlatform.ServiceDefaults.Audit;

/// <summary>
/// Counters of the audit producer. Tags are event type names and outcomes only, never content.
/// A rising <c>healthplatform.audit.rejected</c> or <c>healthplatform.audit.failed</c> is worth an alert.
/// </summary>
public sealed class AuditMetrics : IDisposable
{
    public const string MeterName = "HealthPlatform.Audit";

    private readonly Meter _meter;
    private readonly Counter<long> _confirmed;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _outboxed;

    public AuditMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _meter = meters.Create(MeterName);
        _confirmed = _meter.CreateCounter<long>("healthplatform.audit.confirmed", "{event}", "Audit events the broker confirmed.");
        _failed = _meter.CreateCounter<long>("healthplatform.audit.failed", "{event}", "Audit events the broker did not confirm in time.");
        _rejected = _meter.CreateCounter<long>("healthplatform.audit.rejected", "{event}", "Audit events refused for failing their schema.");
        _outboxed = _meter.CreateCounter<long>("healthplatform.audit.outboxed", "{event}", "Audit events added to an outbox (counted when added; a transaction rolled back takes them with it).");
    }

    /// <param name="path"><c>direct</c> (a caller waited) or <c>outbox</c> (the relay sent it).</param>
    public void Confirmed(string eventType, string path) => _confirmed.Add(1, new("event.type", eventType), new("audit.path", path));

    public void Failed(string eventType, string path) => _failed.Add(1, new("event.type", eventType), new("audit.path", path));

    public void Rejected(string eventType) => _rejected.Add(1, new KeyValuePair<string, object?>("event.type", eventType));

    public void Outboxed(string eventType) => _outboxed.Add(1, new KeyValuePair<string, object?>("event.type", eventType));

    public void Dispose() => _meter.Dispose();
}
