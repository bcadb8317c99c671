namespace HealthPlatform.ServiceDefaults.Audit.Outbox;

/// <summary>Wakes the relay when this instance has just committed outbox rows, so it need not wait for its next poll.</summary>
internal sealed class AuditOutboxSignal : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled; one wake-up covers every row committed so far.
        }
    }

    /// <summary>Waits for a notification or the poll interval, whichever comes first.</summary>
    public Task WaitAsync(TimeSpan pollInterval, CancellationToken cancellationToken) =>
        _signal.WaitAsync(pollInterval, cancellationToken);

    public void Dispose() => _signal.Dispose();
}
