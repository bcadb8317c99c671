using System.Text.Json;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.KeyManagement.Infrastructure;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace HealthPlatform.KeyManagement.Keys;

/// <summary>One destroyed subject key, as the journal keeps it: which key, which subject, when. Never key material.</summary>
public sealed record Tombstone(string KeyName, string SubjectId, DateTimeOffset DestroyedAt);

/// <summary>
/// The list of destroyed subject keys kept outside the database (<c>KeyManagement:TombstoneJournal</c>,
/// a file on a volume that database backups do not include), so a restored backup cannot bring a
/// destroyed key back: each destruction is appended (and flushed to disk) before the database
/// changes, and at start every journalled key the database still holds is destroyed again before
/// the service is ready (<see cref="TombstoneReplay"/>). One JSON line per destruction; appends of
/// a line are atomic, so replicas may share the file.
/// </summary>
public sealed class TombstoneJournal(IOptions<KeyManagementOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public bool Enabled => options.Value.TombstoneJournal is not null;

    public void Dispose() => _gate.Dispose();

    public async Task AppendAsync(Tombstone tombstone, CancellationToken cancellationToken)
    {
        if (options.Value.TombstoneJournal is not { } path)
        {
            return;
        }

        var line = JsonSerializer.SerializeToUtf8Bytes(tombstone, JsonSerializerOptions.Web);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var create = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.ReadWrite };
            if (!OperatingSystem.IsWindows())
            {
                create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            await using var file = new FileStream(path, create);
            await file.WriteAsync((byte[])[.. line, (byte)'\n'], cancellationToken);
            file.Flush(flushToDisk: true);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IReadOnlyList<Tombstone>> ReadAsync(CancellationToken cancellationToken)
    {
        if (options.Value.TombstoneJournal is not { } path || !File.Exists(path))
        {
            return [];
        }

        var tombstones = new List<Tombstone>();
        foreach (var line in await File.ReadAllLinesAsync(path, cancellationToken))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            // A line cut short by a crash mid-append is the only one that may not parse; its
            // destruction then never reached the database either.
            try
            {
                if (JsonSerializer.Deserialize<Tombstone>(line, JsonSerializerOptions.Web) is { } tombstone
                    && KeyManagementOptions.IsKeyName(tombstone.KeyName) && SubjectKeys.IsSubjectId(tombstone.SubjectId))
                {
                    tombstones.Add(tombstone);
                }
            }
            catch (JsonException)
            {
            }
        }

        return tombstones;
    }
}

/// <summary>
/// At start, after the migrations: every subject key in the tombstone journal that the database
/// holds (a backup taken before its destruction was restored) is destroyed again — overwritten,
/// vacuumed, announced — and audited as such. The readiness check <c>tombstones</c> fails until then.
/// </summary>
public sealed partial class TombstoneReplay(
    IServiceScopeFactory scopes,
    TombstoneJournal journal,
    SubjectKeys subjects,
    DatabaseInitializer<KeyManagementDbContext> database,
    IAuditTrail trail,
    ILogger<TombstoneReplay> logger) : BackgroundService
{
    public const string ReplayedBy = "tombstone-journal";

    private static readonly AuditActor Service = AuditActors.OfService(ResourceNames.KeyManagement);

    public bool Completed { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await database.Completed.WaitAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ReplayAsync(stoppingToken);
                Completed = true;
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogFailed(logger, ex.GetType().Name);
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
            }
        }
    }

    private async Task ReplayAsync(CancellationToken cancellationToken)
    {
        var tombstones = await journal.ReadAsync(cancellationToken);
        if (tombstones.Count == 0)
        {
            return;
        }

        HashSet<(string, string)> tombstoned;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var rows = await scope.ServiceProvider.GetRequiredService<KeyManagementDbContext>().SubjectKeys.AsNoTracking()
                .Where(key => key.DestroyedAt != null)
                .Select(key => new { key.KeyName, key.SubjectId })
                .ToListAsync(cancellationToken);
            tombstoned = [.. rows.Select(row => (row.KeyName, row.SubjectId))];
        }

        foreach (var tombstone in tombstones.Where(tombstone => !tombstoned.Contains((tombstone.KeyName, tombstone.SubjectId))).DistinctBy(tombstone => (tombstone.KeyName, tombstone.SubjectId)))
        {
            var hadKey = await subjects.DestroyAsync(tombstone.KeyName, tombstone.SubjectId, ReplayedBy, cancellationToken, journalled: true);
            LogReplayed(logger, tombstone.KeyName, hadKey);
            await trail.RecordAsync(
                new KeyOperationPerformed
                {
                    Header = trail.NewHeader(),
                    Actor = Service,
                    Operation = KeyOperation.DestroySubjectKey,
                    KeyName = tombstone.KeyName,
                    SubjectId = tombstone.SubjectId,
                    Outcome = AuditOutcome.Success,
                    Reason = $"Replayed from the tombstone journal (destroyed {tombstone.DestroyedAt:O}); the database had {(hadKey ? "the key again — a restored backup" : "no tombstone")}.",
                },
                cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A destroyed subject key of {KeyName} was missing its tombstone in the database (restored backup?); destroyed again (the database held the key: {HadKey}).")]
    private static partial void LogReplayed(ILogger logger, string keyName, bool hadKey);

    [LoggerMessage(Level = LogLevel.Error, Message = "Replaying the tombstone journal failed ({Error}); retrying. The service is not ready until it succeeds.")]
    private static partial void LogFailed(ILogger logger, string error);
}

internal sealed class TombstoneReplayHealthCheck(TombstoneReplay replay, TombstoneJournal journal) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(replay.Completed
            ? (journal.Enabled ? HealthCheckResult.Healthy("Every journalled destruction is in the database.") : HealthCheckResult.Degraded("No tombstone journal is configured: a restored backup could bring destroyed subject keys back."))
            : HealthCheckResult.Unhealthy("The tombstone journal has not been replayed yet."));
}
