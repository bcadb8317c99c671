using System.Security.Cryptography;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.KeyManagement.Infrastructure;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthPlatform.KeyManagement.Keys;

/// <summary>
/// Completes a root-key rotation: at start, every key-encryption key still wrapped under another
/// root key (one of <c>AdditionalRootKeys</c>) is unwrapped and wrapped again under the current
/// <c>RootKey</c> — the same material, so nothing a caller holds changes. One replica does it (a
/// Postgres advisory lock), in one transaction; each rewrapped version is audited. A version under
/// a root key this instance was not given is reported by the readiness check <c>root-key</c>.
/// </summary>
public sealed partial class RootKeyRotation(
    IServiceScopeFactory scopes,
    IRootKeyProvider root,
    DatabaseInitializer<KeyManagementDbContext> database,
    IAuditTrail trail,
    ILogger<RootKeyRotation> logger) : BackgroundService
{
    private static readonly AuditActor Service = AuditActors.OfService(ResourceNames.KeyManagement);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);

    /// <summary>A missing root key needs an operator: look again (and log again) only this often.</summary>
    private static readonly TimeSpan MissingKeyDelay = TimeSpan.FromMinutes(1);

    /// <summary>Ids of root keys that wrapped stored versions but are not configured here (empty when all can be opened).</summary>
    public IReadOnlyList<string> MissingRootKeys { get; private set; } = [];

    /// <summary>Whether every stored version is wrapped under the current root key.</summary>
    public bool Completed { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await database.Completed.WaitAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var rewrapped = await RewrapAsync(stoppingToken);
                foreach (var (name, version) in rewrapped)
                {
                    await trail.RecordAsync(
                        new KeyOperationPerformed { Header = trail.NewHeader(), Actor = Service, Operation = KeyOperation.RotateRootKey, KeyName = name, KeyVersion = version, Outcome = AuditOutcome.Success },
                        stoppingToken);
                }

                if (rewrapped.Count > 0)
                {
                    LogRewrapped(logger, rewrapped.Count, root.CurrentKeyId);
                }

                if (MissingRootKeys.Count == 0)
                {
                    Completed = true;
                    return;
                }

                LogMissing(logger, string.Join(", ", MissingRootKeys));
                await Task.Delay(MissingKeyDelay, stoppingToken);
                continue;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogFailed(logger, ex.GetType().Name);
            }

            await Task.Delay(RetryDelay, stoppingToken);
        }
    }

    private async Task<IReadOnlyList<(string Name, int Version)>> RewrapAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KeyManagementDbContext>();
        return await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock(hashtext('key-management:root-key'))", cancellationToken);
            var stale = await db.KeyVersions.Where(record => record.RootKeyId != root.CurrentKeyId).ToListAsync(cancellationToken);
            var missing = new SortedSet<string>(StringComparer.Ordinal);
            var rewrapped = new List<(string, int)>();
            foreach (var record in stale)
            {
                if (record.RootKeyId.Length > 0 && !root.Knows(record.RootKeyId))
                {
                    missing.Add(record.RootKeyId);
                    continue;
                }

                var context = KeyRing.Context(record.KeyName, record.Version);
                var material = root.Unwrap(record.RootKeyId, record.WrappedMaterial, context);
                try
                {
                    record.WrappedMaterial = root.Wrap(material, context);
                    record.RootKeyId = root.CurrentKeyId;
                    rewrapped.Add((record.KeyName, record.Version));
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(material);
                }
            }

            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            MissingRootKeys = [.. missing];
            return (IReadOnlyList<(string, int)>)rewrapped;
        });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rewrapped {Count} key-encryption key version(s) under root key {RootKeyId}.")]
    private static partial void LogRewrapped(ILogger logger, int count, string rootKeyId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Key-encryption keys are wrapped under root key(s) {RootKeyIds}, which are not configured: those keys cannot be used. Mount the key as KeyManagement:AdditionalRootKeys.")]
    private static partial void LogMissing(ILogger logger, string rootKeyIds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rewrapping key-encryption keys under the current root key failed ({Error}); retrying.")]
    private static partial void LogFailed(ILogger logger, string error);
}

/// <summary>Unhealthy while any stored key version is under a root key not configured here; degraded while rewrapping is pending.</summary>
internal sealed class RootKeyHealthCheck(RootKeyRotation rotation, IRootKeyProvider root) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(rotation switch
        {
            { MissingRootKeys.Count: > 0 } => HealthCheckResult.Unhealthy($"Key versions are wrapped under root key(s) {string.Join(", ", rotation.MissingRootKeys)}, which are not configured."),
            { Completed: true } => HealthCheckResult.Healthy($"Every key version is wrapped under root key {root.CurrentKeyId}."),
            _ => HealthCheckResult.Degraded("Checking that every key version is wrapped under the current root key."),
        });
}
