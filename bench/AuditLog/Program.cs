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
using MassTransit;
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

        // Detection runs (as deployed); its alerts (off-hours, at night) are not printed.
        ["Logging:LogLevel:HealthPlatform.Audit.Detection"] = "Error",
        ["AuditLog:CheckpointInterval"] = "00:00:10",
        ["AuditLog:MaxBatchSize"] = batch.ToString(CultureInfo.InvariantCulture),
    };
    if (Environment.GetEnvironmentVariable("BENCH_DETECTION") == "off")
    {
        foreach (var rule in new[] { "HighVolume", "ManyDistinctPatients", "OffHoursAccess", "BreakTheGlassUsed", "DenialSpike", "RevokedTokenUse" })
        {
            quiet[$"AuditLog:Detection:{rule}:Enabled"] = "false";
        }
    }
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
        "SELECT extract(epoch FROM max(recorded_at) - min(recorded_at))::float8 FROM audit_entries WHERE event_id = ANY(@ids)", ("ids", prefilled.ToArray()));
    var chainRate = events / span;
    var batches = await audit.QueryAsync<long>("SELECT count(DISTINCT recorded_at) FROM audit_entries WHERE event_id = ANY(@ids)", ("ids", prefilled.ToArray()));

    // 2. The chain writer alone, fed as fast as it takes entries (what the chain costs in the database).
    var ledger = audit.Services.GetRequiredService<AuditLedger>();
    var direct = Enumerable.Range(0, events).Select(i => LedgerEntries.From(audit.Access($"patient-{i % 997}", $"user-{i % 61}"))).ToList();
    var chained = Stopwatch.StartNew();
    var appended = await Task.WhenAll(direct.Select(entry => ledger.AppendAsync(entry, CancellationToken.None)));
    chained.Stop();
    var ledgerRate = events / chained.Elapsed.TotalSeconds;
    var directIds = direct.Select(entry => entry.EventId).ToArray();
    var directStored = await audit.QueryAsync<long>("SELECT count(*) FROM audit_entries WHERE event_id = ANY(@ids)", ("ids", directIds));

    // 3. The same rows, a plain batched insert.
    await using var superuser = new NpgsqlConnection(database.Superuser);
    await superuser.OpenAsync();
    await using (var create = new NpgsqlCommand("CREATE TABLE audit_entries_plain (LIKE audit_entries INCLUDING ALL)", superuser))
    {
        await create.ExecuteNonQueryAsync();
    }

    var rows = new List<LedgerEntry>(events);
    await using (var read = new NpgsqlCommand(
        $"SELECT {AuditEntryReader.Columns} FROM audit_entries WHERE event_id = ANY(@ids) ORDER BY sequence",
        superuser))
    {
        read.Parameters.AddWithValue("ids", directIds);
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

    // The backlog above (detection reads every stored entry) is worked off before the steady phase.
    while (await audit.QueryAsync<long>("SELECT sequence FROM audit_detection_cursor") < await audit.QueryAsync<long>("SELECT max(sequence) FROM audit_entries"))
    {
        await Task.Delay(200);
    }

    // 4. Steady load: lag from occurrence to storage.
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
        "SELECT (extract(epoch FROM recorded_at - occurred_at) * 1000)::float8 FROM audit_entries WHERE event_id = ANY(@ids)", superuser))
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

    var verified = await audit.Services.GetRequiredService<ChainVerifier>().VerifyAsync(CancellationToken.None);
    Console.WriteLine();
    Console.WriteLine($"| {events} events, batches of {batch} | events/s | |");
    Console.WriteLine("|---|---|---|");
    Console.WriteLine($"| chain writer (AuditLedger, group commit, lock, duplicate check, hashing) | {ledgerRate:F0} | {directStored} of {events} stored, {appended.Count(stored => stored)} new |");
    Console.WriteLine($"| plain batched insert of the same rows (COPY, same indexes) | {plainRate:F0} | |");
    Console.WriteLine($"| ratio | {ledgerRate / plainRate:F2} | goal ≥ 0.5 |");
    Console.WriteLine($"| end to end: a full queue drained (RabbitMQ → MassTransit consumer → checks → chain) | {chainRate:F0} | {stored} of {events} stored in {batches} transactions (mean {(double)events / batches:F0}) |");
    Console.WriteLine();
    Console.WriteLine($"Chain {(verified.Intact ? "verifies" : "BROKEN")}: {verified.EntriesChecked} entries, {verified.CheckpointsChecked} checkpoints.");
    var baseline = await NoOpDrainAsync(broker, channel, events);
    Console.WriteLine($"Baseline on this machine: a MassTransit consumer that only reads each message drains the same {events} messages at {baseline:F0}/s.");
    Console.WriteLine($"Steady {rate}/s for {seconds} s: {lags.Count} of {steady.Count} stored; lag p50 {Percentile(0.50):F1} ms, p99 {Percentile(0.99):F1} ms, max {lags[^1]:F1} ms");
}
finally
{
    await Task.WhenAll(postgres.DisposeAsync(), redis.DisposeAsync(), broker.DisposeAsync());
}

// The same messages, the same transport settings (concurrency 1000, prefetch 2000), a consumer that only reads each message.
static async Task<double> NoOpDrainAsync(RabbitMqServerFixture broker, IChannel channel, int count)
{
    const string queue = "bench-noop";
    await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
    for (var i = 0; i < count; i++)
    {
        await PublishAsync(channel, Guid.CreateVersion7(), $"patient-{i % 997}", $"user-{i % 61}", queue);
    }

    while ((await channel.QueueDeclarePassiveAsync(queue)).MessageCount < count)
    {
        await Task.Delay(100);
    }

    var counter = new NoOpCounter(count);
    var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
    builder.Logging.SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Warning);
    builder.Services.AddSingleton(counter);
    builder.Services.AddMassTransit(bus =>
    {
        bus.AddConsumer<NoOpConsumer>();
        bus.UsingRabbitMq((context, rabbit) =>
        {
            broker.ConfigureHost(rabbit);
            rabbit.ReceiveEndpoint(queue, endpoint =>
            {
                endpoint.ConfigureConsumeTopology = false;
                endpoint.ConcurrentMessageLimit = 1000;
                endpoint.PrefetchCount = 2000;
                endpoint.ConfigureConsumer<NoOpConsumer>(context);
            });
        });
    });
    using var host = builder.Build();
    var clock = Stopwatch.StartNew();
    await host.StartAsync();
    await counter.Done.Task.WaitAsync(TimeSpan.FromMinutes(10));
    clock.Stop();
    await host.StopAsync();
    return count / clock.Elapsed.TotalSeconds;
}

static Task PublishAsync(IChannel channel, Guid eventId, string patientId, string userId, string queue = AuditEventTypes.QueueName) =>
    AuditHost.PublishRawAsync(channel, AuditHost.Envelope(eventId, patientId, userId), queue);

internal sealed class NoOpCounter(int expected)
{
    private int _seen;

    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Seen()
    {
        if (Interlocked.Increment(ref _seen) == expected)
        {
            Done.TrySetResult();
        }
    }
}

internal sealed class NoOpConsumer(NoOpCounter counter) : IConsumer<PatientDataAccessed>
{
    public Task Consume(ConsumeContext<PatientDataAccessed> context)
    {
        // Reading the message deserializes it (MassTransit does so lazily), as every real consumer must.
        GC.KeepAlive(context.Message.Header);
        counter.Seen();
        return Task.CompletedTask;
    }
}
