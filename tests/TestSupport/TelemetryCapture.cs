using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using OpenTelemetry;
using OpenTelemetry.Logs;

namespace HealthPlatform.Testing;

/// <summary>
/// Everything a host's telemetry pipeline exports, flattened to text at export time: each log
/// record (message, attributes, scopes, exception), each span (names, tags, events), and the tags
/// of every metric measurement in the process.
/// </summary>
public sealed class TelemetryCapture : IDisposable
{
    private readonly ConcurrentQueue<string> _logs = new();
    private readonly ConcurrentQueue<string> _spans = new();
    private readonly ConcurrentQueue<string> _metricTags = new();
    private readonly MeterListener _meters = new();

    public TelemetryCapture()
    {
        _meters.InstrumentPublished = (instrument, listener) => listener.EnableMeasurementEvents(instrument);
        _meters.SetMeasurementEventCallback<long>((instrument, _, tags, _) => RecordTags(instrument, tags));
        _meters.SetMeasurementEventCallback<int>((instrument, _, tags, _) => RecordTags(instrument, tags));
        _meters.SetMeasurementEventCallback<double>((instrument, _, tags, _) => RecordTags(instrument, tags));
        _meters.SetMeasurementEventCallback<float>((instrument, _, tags, _) => RecordTags(instrument, tags));
        _meters.SetMeasurementEventCallback<short>((instrument, _, tags, _) => RecordTags(instrument, tags));
        _meters.SetMeasurementEventCallback<byte>((instrument, _, tags, _) => RecordTags(instrument, tags));
        _meters.SetMeasurementEventCallback<decimal>((instrument, _, tags, _) => RecordTags(instrument, tags));
        _meters.Start();
    }

    public IReadOnlyList<string> Logs => [.. _logs];

    public IReadOnlyList<string> Spans => [.. _spans];

    /// <summary>Tags of every measurement so far, observable instruments (gauges) read now.</summary>
    public IReadOnlyList<string> MetricTags
    {
        get
        {
            _meters.RecordObservableInstruments();
            return [.. _metricTags];
        }
    }

    public BaseExporter<LogRecord> LogExporter => new LogText(_logs);

    public BaseExporter<Activity> SpanExporter => new SpanText(_spans);

    public void Dispose() => _meters.Dispose();

    private void RecordTags(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var text = new StringBuilder(instrument.Name);
        foreach (var tag in tags)
        {
            text.Append(CultureInfo.InvariantCulture, $" {tag.Key}={tag.Value}");
        }

        _metricTags.Enqueue(text.ToString());
    }

    private sealed class LogText(ConcurrentQueue<string> sink) : BaseExporter<LogRecord>
    {
        public override ExportResult Export(in Batch<LogRecord> batch)
        {
            foreach (var record in batch)
            {
                var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"{record.CategoryName} {record.FormattedMessage} | {record.Body}");
                foreach (var attribute in record.Attributes ?? [])
                {
                    text.Append(CultureInfo.InvariantCulture, $" {attribute.Key}={attribute.Value}");
                }

                record.ForEachScope(
                    static (scope, builder) =>
                    {
                        builder.Append(CultureInfo.InvariantCulture, $" scope[{scope.Scope}]");
                        foreach (var item in scope)
                        {
                            builder.Append(CultureInfo.InvariantCulture, $" {item.Key}={item.Value}");
                        }
                    },
                    text);
                text.Append(CultureInfo.InvariantCulture, $" {record.Exception}");
                sink.Enqueue(text.ToString());
            }

            return ExportResult.Success;
        }
    }

    private sealed class SpanText(ConcurrentQueue<string> sink) : BaseExporter<Activity>
    {
        public override ExportResult Export(in Batch<Activity> batch)
        {
            foreach (var span in batch)
            {
                var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"{span.Source.Name} {span.Kind} {span.OperationName} {span.DisplayName} {span.StatusDescription}");
                foreach (var tag in span.TagObjects)
                {
                    text.Append(CultureInfo.InvariantCulture, $" {tag.Key}={tag.Value}");
                }

                foreach (var spanEvent in span.Events)
                {
                    text.Append(CultureInfo.InvariantCulture, $" event[{spanEvent.Name}]");
                    foreach (var tag in spanEvent.Tags)
                    {
                        text.Append(CultureInfo.InvariantCulture, $" {tag.Key}={tag.Value}");
                    }
                }

                foreach (var item in span.Baggage)
                {
                    text.Append(CultureInfo.InvariantCulture, $" baggage {item.Key}={item.Value}");
                }

                sink.Enqueue(text.ToString());
            }

            return ExportResult.Success;
        }
    }
}
