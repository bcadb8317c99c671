using System.Diagnostics;
using System.Globalization;
using HealthPlatform.Bench.Audit;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.LocalInfrastructure;
using HealthPlatform.Records.Infrastructure;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.Audit.Outbox;
using HealthPlatform.ServiceDefaults.Data;
using HealthPlatform.ServiceDefaults.Messaging;
using Microsoft.EntityFrameworkCore;

// What recording an audit event costs the caller, against a real RabbitMQ and a durable Postgres:
// 1. RecordAsync (send + publisher confirm) one at a time: the latency a PHI read pays;
// 2. RecordAsync with 16 callers at once: events per second;
// 3. Enqueue + SaveChanges (one outbox row per transaction): the latency a write pays;
// 4. a backlog drained by the relay after the broker was away: events per second.
// Usage: dotnet run -c Release --project bench/Audit -- [events per part, default 5000]
var events = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5_000;
await using var servers = await Servers.StartAsync();
var pki = new DevelopmentPki(Path.Combine(servers.Root, "pki"), TimeProvider.System);
pki.EnsureCertificates(["records"]);

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
builder.Logging.ClearProviders();
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["Endpoints:ManagementPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
    ["Certificates:Directory"] = pki.DirectoryOf("records"),
    [$"ConnectionStrings:{ResourceNames.RecordsDatabase}"] = servers.Database,
    [$"ConnectionStrings:{ResourceNames.Messaging}"] = servers.Messaging,
});
builder.AddServiceDefaults();
builder.AddPlatformDatabase<RecordsDbContext>(ResourceNames.RecordsDatabase);
builder.AddPlatformMessaging();
builder.AddAuditOutbox<RecordsDbContext>();
await using var app = builder.Build();
await app.StartAsync();
await app.Services.GetRequiredService<DatabaseInitializer<RecordsDbContext>>().Completed;
var trail = app.Services.GetRequiredService<IAuditTrail>();

PatientDataAccessed Access(int i) => new()
{
    Header = trail.NewHeader(),
    Actor = new AuditActor { UserId = "practitioner-7", Roles = ["physician"], ClientId = "ehr-app", NetworkAddress = "10.0.0.4" },
    Action = AuditAction.Read,
    ResourceType = "Observation",
    ResourceIds = [$"obs-{i}"],
    PatientId = $"patient-{i % 500}",
    Outcome = AuditOutcome.Success,
    PurposeOfUse = PurposeOfUse.Treatment,
};

// Warm-up: connection, topology, JIT.
for (var i = 0; i < 500; i++)
{
    await trail.RecordAsync(Access(i));
}

var sequential = new List<double>(events);
for (var i = 0; i < events; i++)
{
    var started = Stopwatch.GetTimestamp();
    await trail.RecordAsync(Access(i));
    sequential.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
}

const int callers = 16;
var concurrent = Stopwatch.StartNew();
await Task.WhenAll(Enumerable.Range(0, callers).Select(async caller =>
{
    for (var i = caller; i < events; i += callers)
    {
        await trail.RecordAsync(Access(i));
    }
}));
concurrent.Stop();

var outboxed = new List<double>(events);
for (var i = 0; i < events; i++)
{
    var started = Stopwatch.GetTimestamp();
    await using var scope = app.Services.CreateAsyncScope();
    var database = scope.ServiceProvider.GetRequiredService<RecordsDbContext>();
    trail.Enqueue(database, Access(i) with { Action = AuditAction.Create });
    await database.SaveChangesAsync();
    outboxed.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
}

await WaitForEmptyOutboxAsync();

// A backlog as the broker would leave it: one transaction of `events` rows, then time the relay.
await using (var scope = app.Services.CreateAsyncScope())
{
    var database = scope.ServiceProvider.GetRequiredService<RecordsDbContext>();
    for (var i = 0; i < events; i++)
    {
        trail.Enqueue(database, Access(i));
    }

    await database.SaveChangesAsync();
}

var drain = Stopwatch.StartNew();
await WaitForEmptyOutboxAsync();
drain.Stop();

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"events per part: {events} (loopback; RabbitMQ 3.10 classic durable queue; Postgres 15 with fsync on)"));
Console.WriteLine("| part | p50 (ms) | p99 (ms) | events/s |");
Console.WriteLine("|---|---|---|---|");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| RecordAsync, one caller | {Percentile(sequential, 0.50):F3} | {Percentile(sequential, 0.99):F3} | {events / (sequential.Sum() / 1000):F0} |"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| RecordAsync, {callers} callers | | | {events / concurrent.Elapsed.TotalSeconds:F0} |"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| Enqueue + SaveChanges (1 row per transaction) | {Percentile(outboxed, 0.50):F3} | {Percentile(outboxed, 0.99):F3} | {events / (outboxed.Sum() / 1000):F0} |"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| relay draining a backlog | | | {events / drain.Elapsed.TotalSeconds:F0} |"));

async Task WaitForEmptyOutboxAsync()
{
    while (true)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<RecordsDbContext>();
        if (!await database.Set<AuditOutboxMessage>().AnyAsync())
        {
            return;
        }

        await Task.Delay(20);
    }
}

static double Percentile(List<double> samples, double fraction)
{
    var sorted = samples.Order().ToList();
    return sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(fraction * sorted.Count) - 1)];
}
