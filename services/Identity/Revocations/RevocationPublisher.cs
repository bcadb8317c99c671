using HealthPlatform.Contracts.Revocation;
using HealthPlatform.Identity.Infrastructure;
using HealthPlatform.ServiceDefaults.Data;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.Identity.Revocations;

/// <summary>
/// Sends <see cref="AccessRevoked"/> events: at once when an entry is stored, and — for any the
/// broker did not confirm (down, slow) — again every few seconds until it does. Services also
/// re-read the whole list now and then, so a lost event delays a revocation, never loses it.
/// Forgets entries a day after the last token they cover expired.
/// </summary>
public sealed partial class RevocationPublisher(
    IBus bus,
    IServiceScopeFactory scopes,
    DatabaseInitializer<IdentityDbContext> database,
    TimeProvider time,
    ILogger<RevocationPublisher> logger) : BackgroundService
{
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan KeptAfterExpiry = TimeSpan.FromDays(1);

    private readonly SemaphoreSlim _pending = new(0);

    /// <summary>Publishes one stored entry; when the broker does not confirm in time the relay takes over.</summary>
    public async Task PublishAsync(AccessRevoked revoked, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(revoked);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(SendTimeout);
            await bus.Publish(revoked, timeout.Token);
            await MarkPublishedAsync(revoked.RevocationId, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogDeferred(logger, revoked.RevocationId, ex.GetType().Name);
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
        var lastPurge = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            await _pending.WaitAsync(RetryInterval, stoppingToken);
            try
            {
                await RelayAsync(stoppingToken);
                if (time.GetUtcNow() - lastPurge > TimeSpan.FromHours(1))
                {
                    await PurgeAsync(stoppingToken);
                    lastPurge = time.GetUtcNow();
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Includes a publish that timed out (a cancellation, but not the host's): keep relaying.
                LogRelayFailed(logger, ex.GetType().Name);
            }
        }
    }

    private async Task RelayAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<IdentityDbContext>();
        var now = time.GetUtcNow();
        var unpublished = await context.AccessRevocations.AsNoTracking()
            .Where(record => record.PublishedAt == null && record.ExpiresAt > now)
            .OrderBy(record => record.RevokedAt)
            .Take(100)
            .ToListAsync(cancellationToken);
        foreach (var record in unpublished)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(SendTimeout);
            await bus.Publish(record.ToEvent(), timeout.Token);
            await MarkPublishedAsync(record.Id, cancellationToken);
        }
    }

    private async Task MarkPublishedAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var now = time.GetUtcNow();
        await scope.ServiceProvider.GetRequiredService<IdentityDbContext>().AccessRevocations
            .Where(record => record.Id == id)
            .ExecuteUpdateAsync(update => update.SetProperty(record => record.PublishedAt, now), cancellationToken);
    }

    private async Task PurgeAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var cutoff = time.GetUtcNow() - KeptAfterExpiry;
        await scope.ServiceProvider.GetRequiredService<IdentityDbContext>().AccessRevocations
            .Where(record => record.ExpiresAt < cutoff)
            .ExecuteDeleteAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Revocation {RevocationId} is stored but not yet published ({Error}); the relay retries.")]
    private static partial void LogDeferred(ILogger logger, Guid revocationId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing stored revocations failed ({Error}); retrying.")]
    private static partial void LogRelayFailed(ILogger logger, string error);
}
