using HealthPlatform.Consent.Infrastructure;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Data;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.Consent.Store;

/// <summary>
/// Publishes <see cref="ConsentChanged"/> to every instance of every caller (each listens on a
/// queue of its own): at once when a version is stored, and — for any the broker did not confirm
/// in time — again every few seconds until it does. Callers also bound how long they keep a
/// decision, so a change that cannot be fanned out is late, never lost.
/// </summary>
public sealed partial class ConsentChangePublisher(
    IBus bus,
    IServiceScopeFactory scopes,
    DatabaseInitializer<ConsentDbContext> database,
    TimeProvider time,
    ILogger<ConsentChangePublisher> logger) : BackgroundService
{
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(2);

    private readonly SemaphoreSlim _pending = new(0);

    /// <summary>Publishes one stored version's change and marks it published; when the broker does not confirm in time the relay takes over.</summary>
    public async Task PublishAsync(StoredConsentVersion version, ConsentChanged changed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(changed);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(SendTimeout);
            await bus.Publish(changed, context => context.MessageId = changed.Header.EventId, timeout.Token);
            await MarkPublishedAsync(version.ConsentId, version.Version, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogDeferred(logger, version.ConsentId, version.Version, ex.GetType().Name);
            _pending.Release();
        }
    }

    public override void Dispose()
    {
        _pending.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await database.Completed.WaitAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            await _pending.WaitAsync(RetryInterval, stoppingToken);
            try
            {
                await RelayAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Includes a publish that timed out (a cancellation, but not the host's): keep relaying.
                LogRelayFailed(logger, ex.GetType().Name);
            }
        }
    }

    /// <summary>Publishes versions still unconfirmed after a send timeout (the request that stored them has given up on them by then).</summary>
    private async Task RelayAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<ConsentDbContext>();
        var before = time.GetUtcNow() - SendTimeout;
        var unpublished = await context.Versions.AsNoTracking()
            .Where(version => version.PublishedAt == null && version.RecordedAt < before)
            .OrderBy(version => version.RecordedAt)
            .Take(100)
            .ToListAsync(cancellationToken);
        foreach (var version in unpublished)
        {
            // The relay's copy names only who recorded the change; the audit log has the full actor (sent through the outbox).
            var changed = new ConsentChanged
            {
                Header = new AuditHeader { EventId = version.EventId, OccurredAt = version.RecordedAt, Source = ResourceNames.Consent },
                Actor = new AuditActor { UserId = version.RecordedBy },
                Change = version.Change,
                ConsentId = version.ConsentId,
                Version = version.Version,
                PatientId = version.PatientId,
                RecordedOnBehalfOfPatient = version.OnBehalfOfPatient,
            };
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(SendTimeout);
            await bus.Publish(changed, publish => publish.MessageId = changed.Header.EventId, timeout.Token);
            await MarkPublishedAsync(version.ConsentId, version.Version, cancellationToken);
        }
    }

    private async Task MarkPublishedAsync(string consentId, int version, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<ConsentDbContext>();
        var now = time.GetUtcNow();
        await context.Versions
            .Where(stored => stored.ConsentId == consentId && stored.Version == version)
            .ExecuteUpdateAsync(update => update.SetProperty(stored => stored.PublishedAt, now), cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consent {ConsentId} version {Version}: the change was not confirmed by the broker ({Error}); the relay will publish it.")]
    private static partial void LogDeferred(ILogger logger, string consentId, int version, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing unconfirmed consent changes failed ({Error}); retrying.")]
    private static partial void LogRelayFailed(ILogger logger, string error);
}
