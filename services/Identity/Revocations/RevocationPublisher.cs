using HealthPlatform.Contracts.Revocation;
using HealthPlatform.Identity.Infrastructure;
using HealthPlatform.ServiceDefaults.Data;
using HealthPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.Identity.Revocations;

/// <summary>
/// Sends <see cref="AccessRevoked"/> events for stored revocations until the broker confirms each.
/// Services also re-read the whole list now and then, so a lost event delays a revocation, never
/// loses it. Forgets entries a day after the last token they cover expired.
/// </summary>
public sealed class RevocationPublisher(
    IBus bus,
    IServiceScopeFactory scopes,
    DatabaseInitializer<IdentityDbContext> database,
    TimeProvider time,
    ILogger<RevocationPublisher> logger) : StoredEventPublisher<Guid, AccessRevoked>(bus, logger)
{
    private static readonly TimeSpan KeptAfterExpiry = TimeSpan.FromDays(1);

    private DateTimeOffset _lastPurge = DateTimeOffset.MinValue;

    protected override Task StartingAsync(CancellationToken cancellationToken) => database.Completed.WaitAsync(cancellationToken);

    protected override async Task<IReadOnlyList<(Guid Key, AccessRevoked Event)>> UnpublishedAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<IdentityDbContext>();
        var now = time.GetUtcNow();
        var unpublished = await context.AccessRevocations.AsNoTracking()
            .Where(record => record.PublishedAt == null && record.ExpiresAt > now)
            .OrderBy(record => record.RevokedAt)
            .Take(100)
            .ToListAsync(cancellationToken);
        return [.. unpublished.Select(record => (record.Id, record.ToEvent()))];
    }

    protected override async Task MarkPublishedAsync(Guid key, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var now = time.GetUtcNow();
        await scope.ServiceProvider.GetRequiredService<IdentityDbContext>().AccessRevocations
            .Where(record => record.Id == key)
            .ExecuteUpdateAsync(update => update.SetProperty(record => record.PublishedAt, now), cancellationToken);
    }

    /// <summary>Once an hour, forgets entries whose tokens have all expired.</summary>
    protected override async Task AfterRelayAsync(CancellationToken cancellationToken)
    {
        if (time.GetUtcNow() - _lastPurge < TimeSpan.FromHours(1))
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var cutoff = time.GetUtcNow() - KeptAfterExpiry;
        await scope.ServiceProvider.GetRequiredService<IdentityDbContext>().AccessRevocations
            .Where(record => record.ExpiresAt < cutoff)
            .ExecuteDeleteAsync(cancellationToken);
        _lastPurge = time.GetUtcNow();
    }
}
