using HealthPlatform.Audit.Infrastructure;
using HealthPlatform.Audit.Ledger;
using HealthPlatform.Audit.Verification;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.Data;
using HealthPlatform.ServiceDefaults.Hosting;
using MassTransit;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace HealthPlatform.Audit.Detection;

/// <summary>
/// Reads the chain forward from a cursor kept in the database and runs the detection rules over
/// each new entry once: one replica at a time (an advisory lock), the alerts found and the cursor's
/// move committed together. Then each alert is recorded in the log itself (as a
/// <c>SecurityAlertRaised</c> event), published for any subscriber, and handed to every sink.
/// Only entries that were really stored are looked at, so a redelivered event counts once.
/// </summary>
public sealed partial class DetectionWorker(
    NpgsqlDataSource database,
    DatabaseInitializer<AuditDbContext> migrations,
    DetectionEngine engine,
    DetectionSignal signal,
    IEnumerable<IAlertSink> sinks,
    IAuditTrail trail,
    IBus bus,
    IOptions<DetectionOptions> options,
    ILogger<DetectionWorker> logger) : BackgroundService
{
    private const long DetectionLock = AuditLedger.ChainLock + 2;
    private const int BatchSize = 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await migrations.Completed.WaitAsync(stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                var more = false;
                try
                {
                    var (alerts, full) = await RunOnceAsync(stoppingToken);
                    more = full;
                    foreach (var alert in alerts)
                    {
                        await DeliverAsync(alert, stoppingToken);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    LogFailed(logger, ex.GetType().Name);
                }

                if (!more)
                {
                    await signal.WaitAsync(options.Value.PollInterval, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Evaluates the entries after the cursor (one batch); returns the alerts committed and whether a full batch was read.</summary>
    public async Task<(List<Alert> Alerts, bool Full)> RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await AdvisoryLock.TryAcquireAsync(connection, transaction, DetectionLock, cancellationToken))
        {
            return ([], false);
        }

        long cursor;
        await using (var read = new NpgsqlCommand("SELECT sequence FROM audit_detection_cursor WHERE id = 1", connection, transaction))
        {
            cursor = (long)(await read.ExecuteScalarAsync(cancellationToken))!;
        }

        var entries = new List<LedgerEntry>();
        await using (var query = new NpgsqlCommand(
            $"SELECT {AuditEntryReader.Columns} FROM audit_entries WHERE sequence > @cursor ORDER BY sequence LIMIT @limit",
            connection,
            transaction))
        {
            query.Parameters.AddWithValue("cursor", cursor);
            query.Parameters.AddWithValue("limit", BatchSize);
            await using var reader = await query.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                entries.Add(AuditEntryReader.Read(reader));
            }
        }

        if (entries.Count == 0)
        {
            return ([], false);
        }

        var alerts = await engine.EvaluateAsync(entries, cancellationToken);
        foreach (var alert in alerts)
        {
            await InsertAsync(connection, transaction, alert, cancellationToken);
        }

        await using (var move = new NpgsqlCommand("UPDATE audit_detection_cursor SET sequence = @sequence WHERE id = 1", connection, transaction))
        {
            move.Parameters.AddWithValue("sequence", entries[^1].Sequence);
            await move.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return (alerts, entries.Count == BatchSize);
    }

    private async Task DeliverAsync(Alert alert, CancellationToken cancellationToken)
    {
        var raised = new SecurityAlertRaised
        {
            Header = trail.NewHeader() with { EventId = alert.Id, OccurredAt = alert.RaisedAt },
            Rule = alert.Rule,
            Severity = alert.Severity,
            Actor = new AuditActor { UserId = alert.ActorUserId, ClientId = alert.ActorClientId, NetworkAddress = alert.ActorNetworkAddress },
            ObservedCount = alert.ObservedCount,
            WindowStart = alert.WindowStart,
            WindowEnd = alert.WindowEnd,
            RelatedEventIds = alert.RelatedEventIds,
        };
        try
        {
            await trail.RecordAsync(raised, cancellationToken);
            await bus.Publish(raised, cancellationToken);
        }
        catch (AuditUnavailableException ex)
        {
            // The alert is stored and still goes to the sinks; the broker's absence is its own alarm.
            LogNotPublished(logger, alert.Id, ex.GetType().Name);
        }

        foreach (var sink in sinks)
        {
            try
            {
                await sink.DeliverAsync(alert, cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidOperationException)
            {
                LogNotDelivered(logger, alert.Id, sink.Name, ex.GetType().Name);
            }
        }
    }

    private static async Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Alert alert, CancellationToken cancellationToken)
    {
        await using var insert = new NpgsqlCommand(
            """
            INSERT INTO audit_alerts (id, rule, severity, actor_user_id, actor_client_id, actor_network_address, observed_count, window_start, window_end, related_event_ids, raised_at)
            VALUES (@id, @rule, @severity, @user, @client, @address, @count, @start, @end, @related, @raised)
            """,
            connection,
            transaction);
        insert.Parameters.AddWithValue("id", alert.Id);
        insert.Parameters.AddWithValue("rule", alert.Rule.ToString());
        insert.Parameters.AddWithValue("severity", alert.Severity.ToString());
        insert.Parameters.AddWithValue("user", NpgsqlDbType.Varchar, (object?)alert.ActorUserId ?? DBNull.Value);
        insert.Parameters.AddWithValue("client", NpgsqlDbType.Varchar, (object?)alert.ActorClientId ?? DBNull.Value);
        insert.Parameters.AddWithValue("address", NpgsqlDbType.Varchar, (object?)alert.ActorNetworkAddress ?? DBNull.Value);
        insert.Parameters.AddWithValue("count", alert.ObservedCount);
        insert.Parameters.AddWithValue("start", NpgsqlDbType.TimestampTz, alert.WindowStart);
        insert.Parameters.AddWithValue("end", NpgsqlDbType.TimestampTz, alert.WindowEnd);
        insert.Parameters.AddWithValue("related", alert.RelatedEventIds);
        insert.Parameters.AddWithValue("raised", NpgsqlDbType.TimestampTz, alert.RaisedAt);
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Detection pass failed ({Error}); the entries are looked at again on the next pass.")]
    private static partial void LogFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Alert {AlertId} is stored but could not be recorded and published ({Error}).")]
    private static partial void LogNotPublished(ILogger logger, Guid alertId, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Alert {AlertId} not delivered to sink {Sink} ({Error}).")]
    private static partial void LogNotDelivered(ILogger logger, Guid alertId, string sink, string error);
}

/// <summary>Wakes detection when entries were stored here, so alerts do not wait for the next poll.</summary>
public sealed class DetectionSignal : WakeSignal;
