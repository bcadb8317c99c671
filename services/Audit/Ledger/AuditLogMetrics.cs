using System.Diagnostics.Metrics;

namespace HealthPlatform.Audit.Ledger;

/// <summary>
/// The audit log's instruments (meter <c>HealthPlatform.Audit.Log</c>): events stored, redeliveries
/// recognised, events refused to the error queue by reason, events waiting in the error and skipped
/// queues, the lag from an event happening to its being stored, and the alerts raised. Tags are
/// event types, reasons, rules and severities, never ids.
/// </summary>
public sealed class AuditLogMetrics
{
    public const string MeterName = "HealthPlatform.Audit.Log";

    private readonly Counter<long> _stored;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _rejected;
    private readonly Histogram<double> _lag;
    private readonly Counter<long> _alerts;
    private long _errorQueueDepth;

    public AuditLogMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        _stored = meter.CreateCounter<long>("audit.log.stored", unit: "{event}", description: "Audit events appended to the chain.");
        _duplicates = meter.CreateCounter<long>("audit.log.duplicates", unit: "{event}", description: "Redelivered audit events recognised by id and not stored again.");
        _rejected = meter.CreateCounter<long>("audit.log.rejected", unit: "{event}", description: "Audit events refused (malformed, oversized, unsupported) and sent to the error queue.");
        _lag = meter.CreateHistogram<double>("audit.log.lag", unit: "ms", description: "From an event's occurrence to its being stored in the chain.");
        _alerts = meter.CreateCounter<long>("audit.alerts.raised", unit: "{alert}", description: "Security alerts raised by the detection rules.");
        meter.CreateObservableGauge("audit.log.error_queue.messages", () => Interlocked.Read(ref _errorQueueDepth), unit: "{message}", description: "Messages waiting in the audit error and skipped queues.");
    }

    public void Stored(IReadOnlyList<LedgerEntry> entries, int duplicates, DateTimeOffset recordedAt)
    {
        ArgumentNullException.ThrowIfNull(entries);
        foreach (var entry in entries)
        {
            _stored.Add(1, new KeyValuePair<string, object?>("event_type", entry.EventType));
            _lag.Record(Math.Max(0, (recordedAt - entry.OccurredAt).TotalMilliseconds));
        }

        if (duplicates > 0)
        {
            _duplicates.Add(duplicates);
        }
    }

    public void Rejected(string eventType, string reason) =>
        _rejected.Add(1, new KeyValuePair<string, object?>("event_type", eventType), new KeyValuePair<string, object?>("reason", reason));

    public void AlertRaised(string rule, string severity) =>
        _alerts.Add(1, new KeyValuePair<string, object?>("rule", rule), new KeyValuePair<string, object?>("severity", severity));

    public void ErrorQueueDepth(long messages) => Interlocked.Exchange(ref _errorQueueDepth, messages);
}
