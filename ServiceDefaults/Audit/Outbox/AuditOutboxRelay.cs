using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.Data;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HealthPlatform.ServiceDefaults.Audit.Outbox;

/// <summary>
/// Sends the outbox's events to the audit queue, oldest batch first (events within a batch go out
/// together, so their order may interleave: each carries its own time), and deletes each row once
/// the broker has confirmed it. Rows are claimed with <c>FOR UPDATE SKIP LOCKED</c>, so replicas share the
/// work (no two replicas take the same row at once). While the broker (or the database) is down, it retries with
/// a growing pause; nothing is deleted that was not confirmed. Delivery is at least once: a crash
/// between the confirm and the delete sends that event again, with the same id, which the audit
/// service stores once.
/// </summary>
internal sealed partial class AuditOutboxRelay<TContext>(
    IServiceScopeFactory scopes,
    AuditTrail trail,
    IBusControl bus,
    AuditOutboxSignal signal,
    TimeProvider time,
    IOptions<AuditTrailOptions> options,
    ILogger<AuditOutboxRelay<TContext>> logger,
    DatabaseInitializer<TContext>? initializer = null) : BackgroundService
    where TContext : DbContext
{
    /// <summary>Rows this replica could not read; passed over from then on, so they hold up nothing behind them.</summary>
    private readonly HashSet<long> _unreadable = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var pause = TimeSpan.Zero;

        // The outbox table comes with the service's migrations: nothing to read before they are in.
        if (initializer is not null)
        {
            await initializer.Completed.WaitAsync(stoppingToken);
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // While the bus is not connected, sending would only wait out the confirm timeout — and
                // a send cut short just as the connection returns may still arrive, then go again.
                if (bus.CheckHealth().Status == BusHealthStatus.Unhealthy)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(500), time, stoppingToken);
                    continue;
                }

                var sent = await RelayBatchAsync(settings.OutboxBatchSize, stoppingToken);
                if (pause > TimeSpan.Zero)
                {
                    LogResumed(logger);
                    pause = TimeSpan.Zero;
                }

                if (sent < settings.OutboxBatchSize)
                {
                    await signal.WaitAsync(settings.OutboxPollInterval, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                pause = pause == TimeSpan.Zero ? TimeSpan.FromSeconds(1) : TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, settings.OutboxMaxBackoff.Ticks));
                LogStalled(logger, ex.GetType().Name, pause);
                await Task.Delay(pause, time, stoppingToken);
            }
        }
    }

    /// <summary>Sends one batch; returns how many events the broker confirmed. Throws when it stopped confirming.</summary>
    private async Task<int> RelayBatchAsync(int batchSize, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<TContext>();
        return await database.Database.CreateExecutionStrategy().ExecuteAsync(async token =>
        {
            await using var transaction = await database.Database.BeginTransactionAsync(token);
            var passOver = _unreadable.ToArray();
            var batch = await database.Set<AuditOutboxMessage>()
                .FromSql($"SELECT * FROM audit_outbox WHERE sequence <> ALL({passOver}) ORDER BY sequence LIMIT {batchSize} FOR UPDATE SKIP LOCKED")
                .AsNoTracking()
                .ToListAsync(token);

            var readable = new List<(AuditOutboxMessage Message, AuditEvent Event)>(batch.Count);
            foreach (var message in batch)
            {
                if (message.ToEvent() is { } auditEvent)
                {
                    readable.Add((message, auditEvent));
                }
                else if (_unreadable.Add(message.Sequence))
                {
                    // Kept, not dropped: an operator can look at it (a newer producer's type, a damaged row).
                    LogUnreadable(logger, message.Sequence, message.EventType);
                }
            }

            // The first event goes alone: while the broker is away, that is one failed send per attempt, not a
            // batch of them. Once it is confirmed, the rest go out at once and their confirms come back together.
            var outcomes = new List<(long Sequence, AuditUnavailableException? Failure)>(readable.Count);
            if (readable.Count > 0)
            {
                outcomes.Add(await SendAsync(readable[0].Message, readable[0].Event, token));
            }

            if (outcomes is [(_, null)])
            {
                outcomes.AddRange(await Task.WhenAll(readable.Skip(1).Select(item => SendAsync(item.Message, item.Event, token))));
            }

            var confirmed = outcomes.Where(outcome => outcome.Failure is null).Select(outcome => outcome.Sequence).ToList();
            var failure = outcomes.Select(outcome => outcome.Failure).FirstOrDefault(failed => failed is not null);

            // Confirmed rows are deleted even when stopping: otherwise they would be sent again next time.
            if (confirmed.Count > 0)
            {
                await database.Set<AuditOutboxMessage>().Where(message => confirmed.Contains(message.Sequence)).ExecuteDeleteAsync(CancellationToken.None);
            }

            await transaction.CommitAsync(CancellationToken.None);
            token.ThrowIfCancellationRequested();
            if (failure is not null)
            {
                throw failure;
            }

            return confirmed.Count;
        }, cancellationToken);
    }

    private async Task<(long Sequence, AuditUnavailableException? Failure)> SendAsync(AuditOutboxMessage message, AuditEvent auditEvent, CancellationToken cancellationToken)
    {
        try
        {
            await trail.SendAsync(auditEvent, message.EventType, "outbox", cancellationToken);
            return (message.Sequence, null);
        }
        catch (AuditUnavailableException ex)
        {
            return (message.Sequence, ex);
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            return (message.Sequence, new AuditUnavailableException("The relay is stopping.", ex));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit outbox relay stalled ({Error}); retrying in {Pause}. Events stay in the outbox.")]
    private static partial void LogStalled(ILogger logger, string error, TimeSpan pause);

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit outbox relay resumed.")]
    private static partial void LogResumed(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit outbox row {Sequence} holds no readable {EventType} event; it is kept for an operator.")]
    private static partial void LogUnreadable(ILogger logger, long sequence, string eventType);
}
