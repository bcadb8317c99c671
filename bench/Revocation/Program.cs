using System.Diagnostics;
using System.Globalization;
using System.Net;
using HealthPlatform.Identity.Tests.Server;
using HealthPlatform.ServiceDefaults.Authorization.Smart;
using HealthPlatform.Testing;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

// How long after an access token's revocation is acknowledged (the revocation endpoint answered
// 200) every running instance of another service refuses it. Real Postgres, Redis and RabbitMQ;
// the identity service and two instances of a records stand-in in one process, talking TLS and
// AMQP over loopback; the instances re-read the list only hourly, so only the event can do it.
// Each round: a fresh token, accepted by both; revoked; both polled (every ~2 ms, concurrently)
// until they answer 401.
// Usage: dotnet run -c Release --project bench/Revocation -- [rounds, default 200]
var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
const string Client = "bench-job";
const string Secret = "bench-job-secret-0123456789abcdef";

var postgres = new PostgresServerFixture();
var redis = new RedisServerFixture();
var broker = new RabbitMqServerFixture();
await Task.WhenAll(postgres.InitializeAsync(), redis.InitializeAsync(), broker.InitializeAsync());
try
{
    await using var host = await IdentityServerHost.StartAsync(postgres, redis, broker, settings: _ => new Dictionary<string, string?>
    {
        ["RateLimiting:Policies:strict:PermitLimit"] = "1000000",
        ["Logging:LogLevel:Default"] = "Warning",
    });
    await host.RegisterAsync(new OpenIddictApplicationDescriptor
    {
        ClientId = Client,
        ClientSecret = Secret,
        ClientType = ClientTypes.Confidential,
        Permissions =
        {
            Permissions.Endpoints.Token, Permissions.Endpoints.Revocation, Permissions.GrantTypes.ClientCredentials,
            Permissions.Prefixes.Scope + "system/Observation.rs",
        },
    });
    var instanceSettings = new Dictionary<string, string?>
    {
        ["Revocations:ResynchronizeInterval"] = "01:00:00",
        ["RateLimiting:Policies:default:PermitLimit"] = "1000000",
        ["Logging:LogLevel:Default"] = "Warning",
    };
    ServiceHost[] instances = [await host.StartRecordsInstanceAsync(instanceSettings), await host.StartRecordsInstanceAsync(instanceSettings)];
    using var http = host.Pki.CreateClient();

    var latencies = new List<double>();
    var revokeCalls = new List<double>();
    for (var round = -10; round < rounds; round++)
    {
        var token = await TokenAsync();
        foreach (var instance in instances)
        {
            using var accepted = await CallAsync(token, instance);
            if (accepted.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"A fresh token was answered {(int)accepted.StatusCode}.");
            }
        }

        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = token,
            ["token_type_hint"] = TokenTypeHints.AccessToken,
            ["client_id"] = Client,
            ["client_secret"] = Secret,
        });
        var call = Stopwatch.StartNew();
        using var revoked = await http.PostAsync(IdentityEndpoints.At(host.Identity.Public, IdentityEndpoints.Revocation), form);
        revoked.EnsureSuccessStatusCode();
        var acknowledged = Stopwatch.StartNew();
        var refusedAfter = await Task.WhenAll(instances.Select(instance => RefusedAfterAsync(token, instance, acknowledged)));
        if (round >= 0)
        {
            revokeCalls.Add(call.Elapsed.TotalMilliseconds - acknowledged.Elapsed.TotalMilliseconds);
            latencies.AddRange(refusedAfter);
        }
    }

    latencies.Sort();
    revokeCalls.Sort();
    Console.WriteLine($"rounds {rounds}, samples {latencies.Count} (2 instances)");
    Console.WriteLine($"refused after acknowledgement: p50 {Percentile(latencies, 0.50):F1} ms, p99 {Percentile(latencies, 0.99):F1} ms, max {latencies[^1]:F1} ms");
    Console.WriteLine($"revocation endpoint call: p50 {Percentile(revokeCalls, 0.50):F1} ms, p99 {Percentile(revokeCalls, 0.99):F1} ms");

    async Task<string> TokenAsync()
    {
        using var response = await host.RequestTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = GrantTypes.ClientCredentials,
            ["client_id"] = Client,
            ["client_secret"] = Secret,
            ["scope"] = "system/Observation.rs",
        });
        return await IdentityServerHost.AccessTokenOfAsync(response);
    }

    // One keep-alive client for all calls: each poll is a request, not a TLS handshake.
    async Task<HttpResponseMessage> CallAsync(string token, ServiceHost instance)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(instance.Public, "/fhir/Observation"));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request);
    }

    async Task<double> RefusedAfterAsync(string token, ServiceHost instance, Stopwatch since)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            using var response = await CallAsync(token, instance);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                return since.Elapsed.TotalMilliseconds;
            }

            await Task.Delay(2, deadline.Token);
        }
    }
}
finally
{
    await Task.WhenAll(broker.DisposeAsync(), redis.DisposeAsync(), postgres.DisposeAsync());
}

static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
