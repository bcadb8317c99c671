using System.Diagnostics;
using System.Globalization;
using HealthPlatform.KeyManagement.Client;
using HealthPlatform.KeyManagement.Keys;
using HealthPlatform.KeyManagement.Tests;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;

// Unwraps per second through the key-management client, cache hit and cache miss side by side in
// one run; then how long after a subject key's destruction is acknowledged every running client
// instance has evicted it. Real Postgres, Redis and RabbitMQ; the key-management service and
// caller instances (records' certificate) in one process, over mTLS and AMQP on loopback.
// Usage: dotnet run -c Release --project bench/KeyManagement -- [seconds per measurement, default 10] [concurrency, default 8] [eviction rounds, default 200]
// The service's key policy (its appsettings.json) is in the output folder, as in the tests.
Directory.SetCurrentDirectory(AppContext.BaseDirectory);
var seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
var concurrency = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 8;
var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 200;

var quiet = new Dictionary<string, string?>
{
    ["Logging:LogLevel:Default"] = "Warning",
    ["RateLimiting:Policies:default:PermitLimit"] = "100000000",
};

var postgres = new PostgresServerFixture();
var redis = new RedisServerFixture();
var broker = new RabbitMqServerFixture();
await Task.WhenAll(postgres.InitializeAsync(), redis.InitializeAsync(), broker.InitializeAsync());
try
{
    // Pooled connections, as the service runs everywhere (the test fixture's strings turn pooling off).
    var database = new Npgsql.NpgsqlConnectionStringBuilder(await postgres.CreateDatabaseAsync()) { Pooling = true }.ConnectionString;
    await using var service = await KeyManagementHost.StartAsync(postgres, redis, broker, settings: new Dictionary<string, string?>(quiet)
    {
        [$"ConnectionStrings:{ResourceNames.KeyManagementDatabase}"] = database,
    });
    await using var cached = await KeyManagementClientHost.StartAsync(service, broker, ResourceNames.Records, quiet);
    await using var uncached = await KeyManagementClientHost.StartAsync(service, broker, ResourceNames.Records, new Dictionary<string, string?>(quiet)
    {
        ["KeyManagementClient:CacheEnabled"] = "false",
    });

    var dataKey = await cached.Api.GenerateDataKeyAsync("records-phi", includePlaintext: false, CancellationToken.None);
    var wrapped = dataKey.Wrapped!;

    // Where a miss spends its time: the audit event it must record, broker-confirmed, before the key leaves.
    var trail = service.Services.GetRequiredService<HealthPlatform.ServiceDefaults.Audit.IAuditTrail>();
    var audits = new List<double>();
    for (var i = 0; i < 200; i++)
    {
        var started = Stopwatch.GetTimestamp();
        await trail.RecordAsync(new HealthPlatform.Contracts.Audit.KeyOperationPerformed
        {
            Header = trail.NewHeader(),
            Actor = HealthPlatform.ServiceDefaults.Audit.AuditActors.OfService(ResourceNames.Records),
            Operation = HealthPlatform.Contracts.Audit.KeyOperation.Unwrap,
            KeyName = "records-phi",
            KeyVersion = 1,
            Outcome = HealthPlatform.Contracts.Audit.AuditOutcome.Success,
        });
        audits.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    audits.Sort();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"one audit event recorded (broker-confirmed), serially: p50 {Percentile(audits, 0.50):F1} ms, p99 {Percentile(audits, 0.99):F1} ms"));

    var ringForTiming = service.Services.GetRequiredService<KeyRing>();
    var states = new List<double>();
    var versions = new List<double>();
    for (var i = 0; i < 200; i++)
    {
        var started = Stopwatch.GetTimestamp();
        await ringForTiming.StateAsync("records-phi", CancellationToken.None);
        states.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        started = Stopwatch.GetTimestamp();
        await ringForTiming.VersionAsync("records-phi", 1, CancellationToken.None);
        versions.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    states.Sort();
    versions.Sort();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"key state read: p50 {Percentile(states, 0.50):F2} ms; version lookup p50 {Percentile(versions, 0.50):F3} ms"));

    using (var direct = service.Pki.CreateClient(service.Pki.Certificate(ResourceNames.Records)))
    {
        var body = new { wrapped_key = Convert.ToBase64String(wrapped) };
        var direct_ = new List<double>();
        var health = new List<double>();
        for (var i = 0; i < 200; i++)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(direct, new Uri(service.Service.Internal, "/keys/records-phi/unwrap"), body);
            response.EnsureSuccessStatusCode();
            direct_.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            started = Stopwatch.GetTimestamp();
            using var who = await direct.GetAsync(new Uri(service.Service.Internal, "/whoami"));
            health.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        direct_.Sort();
        health.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"direct unwrap (one keep-alive client), serially: p50 {Percentile(direct_, 0.50):F1} ms, p99 {Percentile(direct_, 0.99):F1} ms; whoami p50 {Percentile(health, 0.50):F1} ms"));
    }

    Console.WriteLine($"unwrap through DataCipher.UnwrapAsync, {concurrency} concurrent callers, {seconds} s each (after 2 s warm-up)");
    foreach (var (label, client) in new[] { ("cache hit", cached), ("cache miss", uncached), ("cache hit", cached), ("cache miss", uncached) })
    {
        await MeasureAsync(client, TimeSpan.FromSeconds(2));
        var (count, elapsed, latencies) = await MeasureAsync(client, TimeSpan.FromSeconds(seconds));
        latencies.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {label,-10}: {count / elapsed.TotalSeconds,10:F0} unwraps/s   p50 {Percentile(latencies, 0.50) * 1000,8:F1} µs   p99 {Percentile(latencies, 0.99) * 1000,8:F1} µs   ({count} unwraps)"));
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cache counters (hit client): {cached.Cache.Hits} hits, {cached.Cache.Misses} misses; (miss client): {uncached.Cache.Hits} hits, {uncached.Cache.Misses} misses"));

    // Eviction: two instances hold a subject's key; it is destroyed; both are polled (every ~1 ms) until they have let it go.
    await using var second = await KeyManagementClientHost.StartAsync(service, broker, ResourceNames.Records, quiet);
    var subjects = service.Services.GetRequiredService<SubjectKeys>();
    var evicted = new List<double>();
    for (var round = -10; round < rounds; round++)
    {
        var subject = string.Create(CultureInfo.InvariantCulture, $"pat-bench-{round + 10}");
        foreach (var instance in new[] { cached, second })
        {
            var key = await instance.Cipher.SubjectKeyAsync("records-phi", subject, CancellationToken.None);
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(key.Plaintext);
        }

        await subjects.DestroyAsync("records-phi", subject, "bench", CancellationToken.None);
        var acknowledged = Stopwatch.StartNew();
        var after = await Task.WhenAll(new[] { cached, second }.Select(instance => EvictedAfterAsync(instance, subject, acknowledged)));
        if (round >= 0)
        {
            evicted.AddRange(after);
        }
    }

    evicted.Sort();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"subject key evicted after destruction acknowledged: rounds {rounds}, samples {evicted.Count} (2 instances): p50 {Percentile(evicted, 0.50):F1} ms, p99 {Percentile(evicted, 0.99):F1} ms, max {evicted[^1]:F1} ms"));

    async Task<(long Count, TimeSpan Elapsed, List<double> Latencies)> MeasureAsync(KeyManagementClientHost client, TimeSpan duration)
    {
        var count = 0L;
        var latencies = new List<double>[concurrency];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            latencies[worker] = [];
            while (clock.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                var key = await client.Cipher.UnwrapAsync("records-phi", wrapped, CancellationToken.None);
                latencies[worker].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(key.Plaintext);
                Interlocked.Increment(ref count);
            }
        }));
        return (count, clock.Elapsed, [.. latencies.SelectMany(list => list)]);
    }
}
finally
{
    await Task.WhenAll(broker.DisposeAsync(), redis.DisposeAsync(), postgres.DisposeAsync());
}

static async Task<double> EvictedAfterAsync(KeyManagementClientHost instance, string subject, Stopwatch since)
{
    using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
    while (!instance.Cache.IsDestroyed("records-phi", subject))
    {
        await Task.Delay(1, deadline.Token);
    }

    return since.Elapsed.TotalMilliseconds;
}

static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
