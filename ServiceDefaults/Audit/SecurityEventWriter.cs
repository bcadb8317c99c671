using System.Threading.Channels;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.Audit.Outbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HealthPlatform.ServiceDefaults.Audit;

/// <summary>
/// Records security events (denials, tokens issued and refused) off the request path. Requests
/// hand their event over and move on; this writer sends them in batches with confirms, and
/// whatever the broker does not confirm goes to the outbox. After a failure it writes straight to the outbox for a few seconds instead of making
/// every event wait out the confirm timeout — so a flood of 429s while the broker is away becomes
/// batched inserts, not thousands of five-second waits. The hand-over queue is bounded: when it is
/// full, requests wait for room (back-pressure) rather than events being dropped. On shutdown,
/// what is still queued is written before the process ends.
/// </summary>
internal sealed partial class SecurityEventWriter(
    IAuditTrail trail,
    IServiceProvider services,
    TimeProvider time,
    ILogger<SecurityEventWriter> logger) : BackgroundService, ISecurityEventWriter
{
    private const int Capacity = 10_000;
    private const int BatchSize = 100;
    private static readonly TimeSpan OutboxOnlyAfterFailure = TimeSpan.FromSeconds(5);

    private readonly Channel<SecurityEventRecorded> _pending = Channel.CreateBounded<SecurityEventRecorded>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    private readonly IAuditOutbox? _outbox = services.GetService<IAuditOutbox>();
    private DateTimeOffset _brokerRetryAt;

    public ValueTask WriteAsync(SecurityEventRecorded securityEvent, CancellationToken cancellationToken) =>
        _pending.Writer.WriteAsync(securityEvent, cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<SecurityEventRecorded>(BatchSize);
        try
        {
            while (await _pending.Reader.WaitToReadAsync(stoppingToken))
            {
                await RecordAsync(Take(batch), CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: write what is still queued below.
        }

        _pending.Writer.TryComplete();
        while (Take(batch).Count > 0)
        {
            await RecordAsync(batch, CancellationToken.None);
        }
    }

    private List<SecurityEventRecorded> Take(List<SecurityEventRecorded> batch)
    {
        batch.Clear();
        while (batch.Count < BatchSize && _pending.Reader.TryRead(out var securityEvent))
        {
            batch.Add(securityEvent);
        }

        return batch;
    }

    private async Task RecordAsync(List<SecurityEventRecorded> batch, CancellationToken cancellationToken)
    {
        var unconfirmed = new List<AuditEvent>(batch);
        if (time.GetUtcNow() >= _brokerRetryAt && batch.Count > 0)
        {
            // One first, alone: while the broker is away that is one failed confirm, not a hundred.
            unconfirmed.Clear();
            if (await TryRecordAsync(batch[0], cancellationToken))
            {
                var rest = await Task.WhenAll(batch.Skip(1).Select(async securityEvent => await TryRecordAsync(securityEvent, cancellationToken) ? null : securityEvent));
                unconfirmed.AddRange(rest.OfType<SecurityEventRecorded>());
            }
            else
            {
                unconfirmed.AddRange(batch);
            }

            if (unconfirmed.Count > 0)
            {
                _brokerRetryAt = time.GetUtcNow() + OutboxOnlyAfterFailure;
            }
        }

        if (unconfirmed.Count == 0)
        {
            return;
        }

        try
        {
            if (_outbox is null)
            {
                throw new AuditUnavailableException("This service has no audit outbox.");
            }

            await _outbox.StoreAsync(unconfirmed, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogLost(logger, unconfirmed.Count, ex.GetType().Name);
        }
    }

    private async Task<bool> TryRecordAsync(SecurityEventRecorded securityEvent, CancellationToken cancellationToken)
    {
        try
        {
            await trail.RecordAsync(securityEvent, cancellationToken);
            return true;
        }
        catch (AuditUnavailableException)
        {
            return false;
        }
        catch (InvalidAuditEventException ex)
        {
            // Development only, and a bug in how the event was built: say so, and keep it.
            LogMalformed(logger, ex.Message);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} security event(s) could not be recorded, neither by the broker nor in the outbox ({Error}).")]
    private static partial void LogLost(ILogger logger, int count, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "A security event was built malformed: {Problems}")]
    private static partial void LogMalformed(ILogger logger, string problems);
}
