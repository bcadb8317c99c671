using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using HealthPlatform.Bench.RateLimiting;
using HealthPlatform.LocalInfrastructure;

// Latency the Redis-backed rate limiter adds per request, measured side by side with the same
// service without it, over real TLS on loopback, against a real redis-server.
// Usage: dotnet run -c Release --project bench/RateLimiting -- [requests per side, default 20000]
var requests = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
var root = Directory.CreateTempSubdirectory("hp-bench-").FullName;
try
{
    var pki = new DevelopmentPki(root, TimeProvider.System);
    pki.EnsureCertificates(["bench"]);
    var password = Secrets.NewPassword();
    var redisPort = FreePort.Next();
    RedisServer.WriteConfig(Path.Combine(root, "redis"), password);
    await using var redis = await RunningServer.StartAsync(
        RedisServer.Command(Path.Combine(root, "redis"), redisPort.ToString(CultureInfo.InvariantCulture)), redisPort, TimeSpan.FromSeconds(30), CancellationToken.None);

    await using var limited = await BenchHost.StartAsync(pki.DirectoryOf("bench"), $"127.0.0.1:{redisPort},password={password}");
    await using var unlimited = await BenchHost.StartAsync(pki.DirectoryOf("bench"), redisConnectionString: null);

    using var authority = X509CertificateLoader.LoadCertificateFromFile(pki.AuthorityCertificatePath);
    using var handler = new SocketsHttpHandler();
    handler.SslOptions.CertificateChainPolicy = new X509ChainPolicy
    {
        TrustMode = X509ChainTrustMode.CustomRootTrust,
        RevocationMode = X509RevocationMode.NoCheck,
        CustomTrustStore = { authority },
    };
    using var client = new HttpClient(handler);

    // Warm up both (JIT, TLS sessions, Redis scripts), then alternate blocks so drift hits both sides alike.
    await Measure(client, limited.Ping, 1_000);
    await Measure(client, unlimited.Ping, 1_000);
    var withLimiter = new List<double>(requests);
    var without = new List<double>(requests);
    const int block = 500;
    for (var done = 0; done < requests; done += block)
    {
        withLimiter.AddRange(await Measure(client, limited.Ping, block));
        without.AddRange(await Measure(client, unlimited.Ping, block));
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"requests per side: {requests} (sequential, one keep-alive connection, TLS 1.3, loopback)"));
    Console.WriteLine("| side | p50 (ms) | p99 (ms) |");
    Console.WriteLine("|---|---|---|");
    Report("limiter on (Redis)", withLimiter);
    Report("limiter off", without);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"added by the limiter: p50 {Percentile(withLimiter, 0.50) - Percentile(without, 0.50):F3} ms, p99 {Percentile(withLimiter, 0.99) - Percentile(without, 0.99):F3} ms"));
}
finally
{
    Directory.Delete(root, recursive: true);
}

static async Task<List<double>> Measure(HttpClient client, Uri uri, int count)
{
    var samples = new List<double>(count);
    for (var i = 0; i < count; i++)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await client.GetAsync(uri);
        response.EnsureSuccessStatusCode();
        samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    return samples;
}

static double Percentile(List<double> samples, double fraction)
{
    var sorted = samples.Order().ToList();
    return sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(fraction * sorted.Count) - 1)];
}

static void Report(string side, List<double> samples) =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {side} | {Percentile(samples, 0.50):F3} | {Percentile(samples, 0.99):F3} |"));
