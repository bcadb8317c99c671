using HealthPlatform.Audit.Infrastructure;
using HealthPlatform.Audit.Ledger;
using HealthPlatform.KeyManagement.Client;
using HealthPlatform.ServiceDefaults.Data;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace HealthPlatform.Audit.Checkpoints;

/// <summary>
/// Every <see cref="AuditLogOptions.CheckpointInterval"/>, if the chain has grown, has its head
/// signed by key-management and stores the checkpoint. Replicas take turns under an advisory lock,
/// so each head is signed once. Each checkpoint is also logged (number, sequence, head hash): a
/// copy outside the database, for whoever collects the logs.
/// </summary>
public sealed partial class CheckpointWriter(
    NpgsqlDataSource database,
    DatabaseInitializer<AuditDbContext> migrations,
    KeyManagementApi keys,
    IOptions<AuditLogOptions> options,
    TimeProvider time,
    ILogger<CheckpointWriter> logger) : BackgroundService
{
    private const long CheckpointLock = AuditLedger.ChainLock + 1;

    /// <summary>When the last attempt failed (the signer unreachable); null after a success.</summary>
    public DateTimeOffset? FailingSince { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await migrations.Completed.WaitAsync(stoppingToken);
            using var timer = new PeriodicTimer(options.Value.CheckpointInterval, time);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await CheckpointAsync(stoppingToken);
                    FailingSince = null;
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    FailingSince ??= time.GetUtcNow();
                    LogFailed(logger, ex.GetType().Name);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Signs the current head if no checkpoint covers it yet; returns the new checkpoint, or null.</summary>
    public async Task<Checkpoint?> CheckpointAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await AdvisoryLock.AcquireAsync(connection, transaction, CheckpointLock, cancellationToken);

        var (lastNumber, lastSequence) = await LastAsync(connection, transaction, cancellationToken);
        var (sequence, headHash) = await AuditLedger.HeadAsync(connection, transaction, cancellationToken);
        if (sequence == lastSequence)
        {
            return null;
        }

        var number = lastNumber + 1;
        var createdAt = LedgerEntry.ToStoredPrecision(time.GetUtcNow());
        var signature = await keys.SignAsync(options.Value.SigningKey, Checkpoint.SignedBytes(number, sequence, headHash, sequence, createdAt), cancellationToken);
        var checkpoint = new Checkpoint
        {
            Number = number,
            Sequence = sequence,
            HeadHash = headHash,
            EntryCount = sequence,
            CreatedAt = createdAt,
            KeyName = signature.KeyName,
            KeyVersion = signature.KeyVersion,
            Signature = signature.Value,
        };

        await using (var insert = new NpgsqlCommand(
            "INSERT INTO audit_checkpoints (number, sequence, head_hash, entry_count, created_at, key_name, key_version, signature) VALUES (@number, @sequence, @head, @count, @created, @key, @version, @signature)",
            connection,
            transaction))
        {
            insert.Parameters.AddWithValue("number", checkpoint.Number);
            insert.Parameters.AddWithValue("sequence", checkpoint.Sequence);
            insert.Parameters.AddWithValue("head", checkpoint.HeadHash);
            insert.Parameters.AddWithValue("count", checkpoint.EntryCount);
            insert.Parameters.AddWithValue("created", NpgsqlDbType.TimestampTz, checkpoint.CreatedAt);
            insert.Parameters.AddWithValue("key", checkpoint.KeyName);
            insert.Parameters.AddWithValue("version", checkpoint.KeyVersion);
            insert.Parameters.AddWithValue("signature", checkpoint.Signature);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        var head = Convert.ToHexStringLower(checkpoint.HeadHash);
        LogCheckpoint(logger, checkpoint.Number, checkpoint.Sequence, head, checkpoint.KeyVersion);
        return checkpoint;
    }

    private static async Task<(long Number, long Sequence)> LastAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var last = new NpgsqlCommand("SELECT number, sequence FROM audit_checkpoints ORDER BY number DESC LIMIT 1", connection, transaction);
        await using var reader = await last.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetInt64(0), reader.GetInt64(1)) : (0, 0);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit checkpoint {Number}: entries 1–{Sequence}, head {HeadHash}, signed with key version {KeyVersion}")]
    private static partial void LogCheckpoint(ILogger logger, long number, long sequence, string headHash, int keyVersion);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit checkpoint not made ({Error}); retrying at the next interval. Entries since the last one are chained but unsigned.")]
    private static partial void LogFailed(ILogger logger, string error);
}

/// <summary>Degraded while checkpoints fail (key-management unreachable or refusing): the chain still grows, unsigned.</summary>
public sealed class CheckpointHealthCheck(CheckpointWriter writer) : IHealthCheck
{
    public const string Name = "audit-checkpoints";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(writer.FailingSince is { } since
            ? HealthCheckResult.Degraded($"Checkpoints failing since {since:O}.")
            : HealthCheckResult.Healthy());
}
