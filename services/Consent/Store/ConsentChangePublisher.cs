using HealthPlatform.Consent.Infrastructure;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Data;
using HealthPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.Consent.Store;

/// <summary>
/// Publishes <see cref="ConsentChanged"/> to every instance of every caller (each listens on a
/// queue of its own) for each stored consent version, until the broker confirms it. Callers also
/// bound how long they keep a decision, so a change that cannot be fanned out is late, never lost.
/// </summary>
public sealed class ConsentChangePublisher(
    IBus bus,
    IServiceScopeFactory scopes,
    DatabaseInitializer<ConsentDbContext> database,
    TimeProvider time,
    ILogger<ConsentChangePublisher> logger) : StoredEventPublisher<(string ConsentId, int Version), ConsentChanged>(bus, logger)
{
    protected override Task StartingAsync(CancellationToken cancellationToken) => database.Completed.WaitAsync(cancellationToken);

    protected override Guid? MessageIdOf(ConsentChanged message) => message.Header.EventId;

    /// <summary>Versions still unconfirmed after a send timeout (the request that stored them has given up on them by then).</summary>
    protected override async Task<IReadOnlyList<((string ConsentId, int Version) Key, ConsentChanged Event)>> UnpublishedAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<ConsentDbContext>();
        var before = time.GetUtcNow() - SendTimeout;
        var unpublished = await context.Versions.AsNoTracking()
            .Where(version => version.PublishedAt == null && version.RecordedAt < before)
            .OrderBy(version => version.RecordedAt)
            .Take(100)
            .ToListAsync(cancellationToken);

        // The relay's copy names only who recorded the change; the audit log has the full actor (sent through the outbox).
        return [.. unpublished.Select(version => ((version.ConsentId, version.Version), new ConsentChanged
        {
            Header = new AuditHeader { EventId = version.EventId, OccurredAt = version.RecordedAt, Source = ResourceNames.Consent },
            Actor = new AuditActor { UserId = version.RecordedBy },
            Change = version.Change,
            ConsentId = version.ConsentId,
            Version = version.Version,
            PatientId = version.PatientId,
            RecordedOnBehalfOfPatient = version.OnBehalfOfPatient,
        }))];
    }

    protected override async Task MarkPublishedAsync((string ConsentId, int Version) key, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<ConsentDbContext>();
        var now = time.GetUtcNow();
        await context.Versions
            .Where(stored => stored.ConsentId == key.ConsentId && stored.Version == key.Version && stored.PublishedAt == null)
            .ExecuteUpdateAsync(update => update.SetProperty(stored => stored.PublishedAt, now), cancellationToken);
    }
}
