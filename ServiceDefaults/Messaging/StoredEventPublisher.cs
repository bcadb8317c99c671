using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HealthPlatform.ServiceDefaults.Messaging;

/// <summary>
/// Publishes events that stand for rows already stored — the row is the durable record, the event
/// tells every instance of every service — at once after the commit, and, for any the broker did
/// not confirm within <see cref="SendTimeout"/> (down, slow), again every few seconds until it
/// does. A row is marked published only after the broker's confirm, so an event may go out twice
/// (consumers must not mind) but never not at all. Subclasses say where the unconfirmed rows are
/// and how to mark one.
/// </summary>
public abstract partial class StoredEventPublisher<TKey, TEvent>(IBus bus, ILogger logger) : BackgroundService
    where TEvent : class
{
    /// <summary>How long one publish may wait for the broker's confirm.</summary>
    protected static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(2);

    private readonly SemaphoreSlim _pending = new(0);

    /// <summary>Publishes one stored row's event and marks it; when the broker does not confirm in time the relay takes over.</summary>
    public async Task PublishAsync(TKey key, TEvent message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            await SendAsync(message, cancellationToken);
            await MarkPublishedAsync(key, CancellationToken.None);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogDeferred(logger, typeof(TEvent).Name, ex.GetType().Name);
            _pending.Release();
        }
    }

    public override void Dispose()
    {
        _pending.Dispose();
        base.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Waits for what the rows need (the database's migrations), before the first relay pass.</summary>
    protected virtual Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Stored rows not yet published (oldest first, a bounded number), with their events.</summary>
    protected abstract Task<IReadOnlyList<(TKey Key, TEvent Event)>> UnpublishedAsync(CancellationToken cancellationToken);

    protected abstract Task MarkPublishedAsync(TKey key, CancellationToken cancellationToken);

    /// <summary>The transport message id of <paramref name="message"/> (null: a new one per publish).</summary>
    protected virtual Guid? MessageIdOf(TEvent message) => null;

    /// <summary>Work to do after each relay pass (forgetting old rows).</summary>
    protected virtual Task AfterRelayAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await StartingAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            await _pending.WaitAsync(RetryInterval, stoppingToken);
            try
            {
                foreach (var (key, message) in await UnpublishedAsync(stoppingToken))
                {
                    await SendAsync(message, stoppingToken);
                    await MarkPublishedAsync(key, stoppingToken);
                }

                await AfterRelayAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Includes a publish that timed out (a cancellation, but not the host's): keep relaying.
                LogRelayFailed(logger, typeof(TEvent).Name, ex.GetType().Name);
            }
        }
    }

    private async Task SendAsync(TEvent message, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(SendTimeout);
        var messageId = MessageIdOf(message);
        await bus.Publish(message, context => context.MessageId = messageId ?? context.MessageId, timeout.Token);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A stored {EventType} was not confirmed by the broker ({Error}); the relay will publish it.")]
    private static partial void LogDeferred(ILogger logger, string eventType, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing stored {EventType} events failed ({Error}); retrying.")]
    private static partial void LogRelayFailed(ILogger logger, string eventType, string error);
}
