using System.Globalization;
using System.Text;

namespace HealthPlatform.AppHost.Tests.Telemetry;

/// <summary>Thread-safe span list with change notification, used by <see cref="OtlpTraceReceiver"/>.</summary>
internal sealed class SpanStore
{
    private readonly Lock _gate = new();
    private readonly List<ReceivedSpan> _spans = [];
    private readonly List<string> _errors = [];
    private TaskCompletionSource _changed = NewSignal();

    public IReadOnlyList<ReceivedSpan> Snapshot()
    {
        lock (_gate)
        {
            return _spans.ToArray();
        }
    }

    public void Add(IReadOnlyList<ReceivedSpan> spans) => Update(() => _spans.AddRange(spans));

    public void AddError(string error) => Update(() => _errors.Add(error));

    public async Task<IReadOnlyList<ReceivedSpan>> WaitForAsync(
        Func<IReadOnlyList<ReceivedSpan>, bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            Task changed;
            IReadOnlyList<ReceivedSpan> snapshot;
            lock (_gate)
            {
                changed = _changed.Task;
                snapshot = _spans.ToArray();
            }

            if (condition(snapshot))
            {
                return snapshot;
            }

            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                snapshot = Snapshot();
                return condition(snapshot) ? snapshot : throw new TimeoutException(Describe(timeout));
            }
        }
    }

    private void Update(Action change)
    {
        TaskCompletionSource previous;
        lock (_gate)
        {
            change();
            previous = _changed;
            _changed = NewSignal();
        }

        previous.TrySetResult();
    }

    private string Describe(TimeSpan timeout)
    {
        var message = new StringBuilder();
        lock (_gate)
        {
            message.Append(CultureInfo.InvariantCulture, $"Span condition not met within {timeout.TotalSeconds:0.##}s; ");
            message.Append(CultureInfo.InvariantCulture, $"{_spans.Count} span(s) received.");
            foreach (var group in _spans.GroupBy(s => s.ServiceName, StringComparer.Ordinal))
            {
                var names = string.Join(", ", group.Select(s => $"{s.Name} (kind {s.Kind})").Distinct());
                message.Append(CultureInfo.InvariantCulture, $"{Environment.NewLine}  [{group.Key}] {names}");
            }

            foreach (var error in _errors)
            {
                message.Append(CultureInfo.InvariantCulture, $"{Environment.NewLine}  decode error: {error}");
            }
        }

        return message.ToString();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
