using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using HealthPlatform.Audit.Ledger;
using HealthPlatform.Audit.Tests;
using HealthPlatform.Audit.Verification;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.KeyManagement.Tests;
using HealthPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using RabbitMQ.Client;

// The audit log's storing rate with the hash chain, side by side with a plain batched insert of the
// same rows in one run, and the end-to-end lag from an event happening to its being stored.
// Real Postgres, Redis and RabbitMQ; the audit service (with detection and checkpoints running, as
// deployed) and key-management in one process, on loopback.
//   1. N events are put on the durable audit queue before the audit service starts; it then drains
//      the queue: rate = N / (last recorded_at - first recorded_at). All N must be stored, once, and
//      the chain must verify.
//   2. The same N rows are copied, in batches of the same size, into a table like audit_entries
//      (same indexes) without the chain: no lock, no head read, no duplicate check, no hashing, no broker.
//   3. Events are published at a steady rate while the service runs; lag = recorded_at - occurred_at.
// Usage: dotnet run -c Release --project bench/AuditLog -- [events, default 30000] [steady rate per s, default 1000] [steady seconds, default 20]
Directory.SetCurrentDirectory(AppContext.BaseDirectory);
var events = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 30_000;
var rate = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_000;
var seconds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20;
const int batch = 500;

var postgres = new PostgresServerFixture();
var redis = new RedisServerFixture();
var broker = new RabbitMqServerFixture();
await Task.WhenAll(postgres.InitializeAsync(), redis.InitializeAsync(), broker.InitializeAsync());
try
{
    var quiet = new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Warning",
        ["AuditLog:CheckpointInterval"] = "00:00:10",
        ["AuditLog:MaxBatchSize"] = batch.ToString(CultureInfo.InvariantCulture),
    };
    await using var keys = await KeyManagementHost.StartAsync(postgres, redis, broker, settings: new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Warning" });
    var database = await postgres.CreateDatabaseWithRuntimeRoleAsync();
    var factory = new ConnectionFactory { Uri = new Uri(broker.ConnectionString) };
    await using var connection = await factory.CreateConnectionAsync();
    await using var channel = await connection.CreateChannelAsync();
    await channel.QueueDeclareAsync(AuditEventTypes.QueueName, durable: true, exclusive: false, autoDelete: false);

    // 1. Drain a full queue through the chain.
    var prefilled = new List<Guid>(events);
    for (var i = 0; i < events; i++)
    {
        var id = Guid.CreateVersion7();
        prefilled.Add(id);
        await PublishAsync(channel, id, $"patient-{i % 997}", $"user-{i % 61}");
    }

    while ((await channel.QueueDeclarePassiveAsync(AuditEventTypes.QueueName)).MessageCount < events)
    {
        await Task.Delay(100);
    }

    Console.WriteLine($"{events} events on the queue; starting the audit service.");
    await using var audit = await AuditHost.StartAsync(keys, database, redis, broker, quiet);
    await audit.WaitForEventsAsync(prefilled, TimeSpan.FromMinutes(10));
    var stored = await audit.QueryAsync<long>("SELECT count(*) FROM audit_entries WHERE event_id = ANY(@ids)", ("ids", prefilled.ToArray()));
    var span = await audit.QueryAsync<double>(
        "SELECT extract(epoch FROM max(recorded_at) - min(recorded_at)) FROM audit_entries WHERE event_id = ANY(@ids)", ("ids", prefilled.ToArray()));
    var chainRate = events / span;
    var verification = await audit.Services.GetRequiredService<ChainVerifier>().VerifyAsync(CancellationToken.None);

    // 2. The same rows, a plain batched insert.
    await using var superuser = new NpgsqlConnection(database.Superuser);
    await superuser.OpenAsync();
    await using (var create = new NpgsqlCommand("CREATE TABLE audit_entries_plain (LIKE audit_entries INCLUDING ALL)", superuser))
    {
        await create.ExecuteNonQueryAsync();
    }

    var rows = new List<LedgerEntry>(events);
    await using (var read = new NpgsqlCommand(
        "SELECT sequence, event_id, event_type, schema_version, occurred_at, recorded_at, source, patient_id, agent_user_id, agent_client_id, action, outcome, payload, previous_hash, hash FROM audit_entries WHERE event_id = ANY(@ids) ORDER BY sequence",
        superuser))
    {
        read.Parameters.AddWithValue("ids", prefilled.ToArray());
        await using var reader = await read.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess);
        while (await reader.ReadAsync())
        {
            rows.Add(AuditEntryReader.Read(reader));
        }
    }

    var plain = Stopwatch.StartNew();
    foreach (var chunk in rows.Chunk(batch))
    {
        await using var transaction = await superuser.BeginTransactionAsync();
        await AuditLedger.CopyAsync(superuser, "audit_entries_plain", chunk, CancellationToken.None);
        await transaction.CommitAsync();
    }

    plain.Stop();
    var plainRate = rows.Count / plain.Elapsed.TotalSeconds;

    // 3. Steady load: lag from occurrence to storage.
    var steady = new List<Guid>(rate * seconds);
    var clock = Stopwatch.StartNew();
    for (var sent = 0; sent < rate * seconds; sent++)
    {
        var due = TimeSpan.FromSeconds((double)sent / rate);
        if (clock.Elapsed < due)
        {
            await Task.Delay(due - clock.Elapsed);
        }

        var id = Guid.CreateVersion7();
        steady.Add(id);
        await PublishAsync(channel, id, $"patient-{sent % 997}", $"user-{sent % 61}");
    }

    await audit.WaitForEventsAsync(steady, TimeSpan.FromMinutes(5));
    var lags = new List<double>(steady.Count);
    await using (var read = new NpgsqlCommand(
        "SELECT extract(epoch FROM recorded_at - occurred_at) * 1000 FROM audit_entries WHERE event_id = ANY(@ids)", superuser))
    {
        read.Parameters.AddWithValue("ids", steady.ToArray());
        await using var reader = await read.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lags.Add(reader.GetDouble(0));
        }
    }

    lags.Sort();
    double Percentile(double p) => lags[Math.Min(lags.Count - 1, (int)Math.Ceiling(p * lags.Count) - 1)];

    Console.WriteLine();
    Console.WriteLine($"| {events} events, batches of {batch} | events/s | |");
    Console.WriteLine("|---|---|---|");
    Console.WriteLine($"| stored with the chain (queue → consumer → chain) | {chainRate:F0} | {stored} of {events} stored, chain {(verification.Intact ? "verifies" : "BROKEN")} ({verification.EntriesChecked} entries) |");
    Console.WriteLine($"| plain batched insert of the same rows (COPY) | {plainRate:F0} | |");
    Console.WriteLine($"| ratio | {chainRate / plainRate:F2} | goal ≥ 0.5 |");
    Console.WriteLine();
    Console.WriteLine($"Steady {rate}/s for {seconds} s: {lags.Count} of {steady.Count} stored; lag p50 {Percentile(0.50):F1} ms, p99 {Percentile(0.99):F1} ms, max {lags[^1]:F1} ms");
}
finally
{
    await Task.WhenAll(postgres.DisposeAsync(), redis.DisposeAsync(), broker.DisposeAsync());
}

static async Task PublishAsync(IChannel channel, Guid eventId, string patientId, string userId)
{
    var message = new Dictionary<string, object?>
    {
        ["header"] = new { eventId, occurredAt = DateTimeOffset.UtcNow, source = "records" },
        ["schemaVersion"] = PatientDataAccessed.CurrentSchemaVersion,
        ["actor"] = new { userId, clientId = "ehr-app", roles = new[] { "physician" }, networkAddress = "127.0.0.1" },
        ["action"] = (int)AuditAction.Read,
        ["resourceType"] = "Observation",
        ["resourceIds"] = new[] { "obs-1" },
        ["patientId"] = patientId,
        ["outcome"] = (int)AuditOutcome.Success,
        ["purposeOfUse"] = (int)PurposeOfUse.Treatment,
    };
    var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
    {
        ["messageId"] = eventId,
        ["messageType"] = new[] { $"urn:message:{typeof(PatientDataAccessed).Namespace}:{nameof(PatientDataAccessed)}" },
        ["message"] = message,
    });
    var properties = new BasicProperties { ContentType = "application/vnd.masstransit+json", Persistent = true, MessageId = eventId.ToString() };
    await channel.BasicPublishAsync(string.Empty, AuditEventTypes.QueueName, mandatory: false, properties, body);
}
