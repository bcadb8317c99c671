using System.Net;
using HealthPlatform.Testing;

namespace HealthPlatform.ServiceDefaults.Tests.RateLimiting;

/// <summary>The limit holds across replicas because it is counted in Redis; costly calls count more.</summary>
public sealed class SharedLimitTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime, IDisposable
{
    private readonly TestPki _pki = new("records");
    private LimitedReplicas? _replicas;

    private LimitedReplicas Replicas => _replicas!;

    public async Task InitializeAsync()
    {
        await redis.FlushAsync();
        _replicas = await LimitedReplicas.StartAsync(_pki, redis.ConnectionString);
    }

    [Fact]
    public async Task LimitPlusOne_SpreadOverTwoReplicas_IsRefusedWith429()
    {
        using var client = _pki.CreateClient();

        for (var i = 0; i < LimitedReplicas.Limit; i++)
        {
            using var allowed = await client.GetAsync(new Uri(Replicas.Hosts[i % 2].Public, "/items"));
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            Assert.Equal("\"default\";q=5;w=60", Assert.Single(allowed.Headers.GetValues("RateLimit-Policy")));
        }

        using var refused = await client.GetAsync(new Uri(Replicas.Hosts[LimitedReplicas.Limit % 2].Public, "/items"));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
        Assert.Contains("Too many requests", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Search_CostsThreeReads_SoReadsRunOutSooner()
    {
        using var client = _pki.CreateClient();
        var first = Replicas.Hosts[0].Public;
        var second = Replicas.Hosts[1].Public;

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, new Uri(first, "/search")));   // 3 of 5
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, new Uri(second, "/items")));   // 4 of 5
        Assert.Equal(HttpStatusCode.TooManyRequests, await StatusAsync(client, new Uri(first, "/search"))); // 7 > 5
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, new Uri(second, "/items")));   // 5 of 5
        Assert.Equal(HttpStatusCode.TooManyRequests, await StatusAsync(client, new Uri(first, "/items")));
    }

    [Fact]
    public async Task ManagementListener_IsNeverLimited()
    {
        using var client = _pki.CreateClient();

        for (var i = 0; i < LimitedReplicas.Limit * 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, new Uri(Replicas.Hosts[0].Management, "/alive")));
        }
    }

    public async Task DisposeAsync() => await Replicas.DisposeAsync();

    public void Dispose() => _pki.Dispose();

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client, Uri uri)
    {
        using var response = await client.GetAsync(uri);
        return response.StatusCode;
    }
}
