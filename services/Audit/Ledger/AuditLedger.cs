using System.Threading.Channels;
using HealthPlatform.Audit.Infrastructure;
using HealthPlatform.ServiceDefaults.Data;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace HealthPlatform.Audit.Ledger;

/// <summary>
/// Appends entries to the hash chain. Entries handed in concurrently are stored together, in one
/// transaction (group commit): the consumer of each waits until its entry is committed, so the
/// broker's message is acknowledged only once the entry is durable. Every transaction takes a
/// Postgres advisory lock first, so with any number of replicas exactly one extends the chain at a
/// time and each entry links to the head it really follows. An event id already stored is not
/// stored again (redelivery is harmless).
/// </summary>
public sealed partial class AuditLedger(
    NpgsqlDataSource database,
    DatabaseInitializer<AuditDbContext> migrations,
    IOptions<AuditLogOptions> options,
    AuditLogMetrics metrics,
    Detection.DetectionSignal detection,
    TimeProvider time,
    ILogger<AuditLedger> logger) : BackgroundService
{
    /// <summary>The advisory lock every writer of the chain holds while it appends.</summary>
    public const long ChainLock = 0x4850_4155_4449_5401; // "HPAUDIT" + 1

    private readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Stores <paramref name="entry"/> in the chain; false when its event id was stored before.</summary>
    public async Task<bool> AppendAsync(LedgerEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var pending = new Pending(entry);
        if (!_pending.Writer.TryWrite(pending))
        {
            throw new InvalidOperationException("The audit ledger is stopping.");
        }

        return await pending.Stored.Task.WaitAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(options.Value.MaxBatchSize);
        try
        {
            await migrations.Completed.WaitAsync(stoppingToken);
            while (await _pending.Reader.WaitToReadAsync(stoppingToken))
            {
                batch.Clear();
                while (batch.Count < options.Value.MaxBatchSize && _pending.Reader.TryRead(out var next))
                {
                    batch.Add(next);
                }

                try
                {
                    await WriteAsync(batch, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    // Nothing was committed: each consumer fails and its message is delivered again.
                    LogWriteFailed(logger, batch.Count, ex.GetType().Name);
                    batch.ForEach(pending => pending.Stored.TrySetException(ex));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            // Unstored entries fail; their messages stay on the queue for the next instance.
            _pending.Writer.TryComplete();
            var stopping = new OperationCanceledException("The audit ledger stopped.");
            batch.ForEach(pending => pending.Stored.TrySetException(stopping));
            while (_pending.Reader.TryRead(out var left))
            {
                left.Stored.TrySetException(stopping);
            }
        }
    }

    private async Task WriteAsync(List<Pending> batch, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await AdvisoryLock.AcquireAsync(connection, transaction, ChainLock, cancellationToken);

        // Read after the lock: the head is the one the previous holder committed.
        var (sequence, previousHash) = await HeadAsync(connection, transaction, cancellationToken);
        var stored = await StoredAmongAsync(connection, transaction, [.. batch.Select(pending => pending.Entry.EventId)], cancellationToken);

        var recordedAt = time.GetUtcNow();
        var chained = new List<(Pending Pending, LedgerEntry Entry)>(batch.Count);
        foreach (var pending in batch)
        {
            if (!stored.Add(pending.Entry.EventId))
            {
                continue;
            }

            var entry = pending.Entry.Chain(++sequence, previousHash, recordedAt);
            previousHash = entry.Hash;
            chained.Add((pending, entry));
        }

        if (chained.Count > 0)
        {
            await CopyAsync(connection, chained.Select(item => item.Entry), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);

        var appended = chained.Select(item => item.Pending).ToHashSet(ReferenceEqualityComparer.Instance);
        foreach (var pending in batch)
        {
            pending.Stored.TrySetResult(appended.Contains(pending));
        }

        metrics.Stored(chained.Select(item => item.Entry).ToList(), batch.Count - chained.Count, recordedAt);
        if (chained.Count > 0)
        {
            detection.Notify();
        }
    }

    internal static async Task<(long Sequence, byte[] Hash)> HeadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var head = new NpgsqlCommand("SELECT sequence, hash FROM audit_entries ORDER BY sequence DESC LIMIT 1", connection, transaction);
        await using var reader = await head.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? (reader.GetInt64(0), (byte[])reader[1])
            : (0, LedgerEntry.Genesis);
    }

    private static async Task<HashSet<Guid>> StoredAmongAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid[] eventIds, CancellationToken cancellationToken)
    {
        await using var query = new NpgsqlCommand("SELECT event_id FROM audit_entries WHERE event_id = ANY(@ids)", connection, transaction);
        query.Parameters.AddWithValue("ids", eventIds);
        await using var reader = await query.ExecuteReaderAsync(cancellationToken);
        var found = new HashSet<Guid>();
        while (await reader.ReadAsync(cancellationToken))
        {
            found.Add(reader.GetGuid(0));
        }

        return found;
    }

    /// <summary>Binary COPY: what a plain batched insert of the same rows costs, and no more.</summary>
    public static Task CopyAsync(NpgsqlConnection connection, IEnumerable<LedgerEntry> entries, CancellationToken cancellationToken) =>
        CopyAsync(connection, "audit_entries", entries, cancellationToken);

    /// <summary>The same COPY into another table shaped like <c>audit_entries</c> (the benchmark's plain insert).</summary>
    public static async Task CopyAsync(NpgsqlConnection connection, string table, IEnumerable<LedgerEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (table.Length is 0 or > 63 || !table.All(c => c is (>= 'a' and <= 'z') or '_'))
        {
            throw new ArgumentException("A plain lower-case table name is expected.", nameof(table));
        }

        await using var import = await connection.BeginBinaryImportAsync(
            $"COPY {table} ({Verification.AuditEntryReader.Columns}) FROM STDIN (FORMAT BINARY)",
            cancellationToken);
        foreach (var entry in entries)
        {
            await import.StartRowAsync(cancellationToken);
            await import.WriteAsync(entry.Sequence, NpgsqlDbType.Bigint, cancellationToken);
            await import.WriteAsync(entry.EventId, NpgsqlDbType.Uuid, cancellationToken);
            await import.WriteAsync(entry.EventType, NpgsqlDbType.Text, cancellationToken);
            await import.WriteAsync(entry.SchemaVersion, NpgsqlDbType.Integer, cancellationToken);
            await import.WriteAsync(entry.OccurredAt, NpgsqlDbType.TimestampTz, cancellationToken);
            await import.WriteAsync(entry.RecordedAt, NpgsqlDbType.TimestampTz, cancellationToken);
            await import.WriteAsync(entry.Source, NpgsqlDbType.Text, cancellationToken);
            await WriteNullableAsync(import, entry.PatientId, cancellationToken);
            await WriteNullableAsync(import, entry.AgentUserId, cancellationToken);
            await WriteNullableAsync(import, entry.AgentClientId, cancellationToken);
            await import.WriteAsync(entry.Action, NpgsqlDbType.Text, cancellationToken);
            await import.WriteAsync(entry.Outcome, NpgsqlDbType.Text, cancellationToken);
            await import.WriteAsync(entry.Payload, NpgsqlDbType.Text, cancellationToken);
            await import.WriteAsync(entry.PreviousHash, NpgsqlDbType.Bytea, cancellationToken);
            await import.WriteAsync(entry.Hash, NpgsqlDbType.Bytea, cancellationToken);
        }

        await import.CompleteAsync(cancellationToken);
    }

    private static async Task WriteNullableAsync(NpgsqlBinaryImporter import, string? value, CancellationToken cancellationToken)
    {
        if (value is null)
        {
            await import.WriteNullAsync(cancellationToken);
        }
        else
        {
            await import.WriteAsync(value, NpgsqlDbType.Text, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storing {Count} audit events failed ({Error}); they will be delivered again.")]
    private static partial void LogWriteFailed(ILogger logger, int count, string error);

    private sealed class Pending(LedgerEntry entry)
    {
        public LedgerEntry Entry { get; } = entry;

        public TaskCompletionSource<bool> Stored { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
