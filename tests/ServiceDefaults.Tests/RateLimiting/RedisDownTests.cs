using System.Net;
using HealthPlatform.Testing;

namespace HealthPlatform.ServiceDefaults.Tests.RateLimiting;

/// <summary>
/// ADR-004: with Redis unreachable each replica limits on its own at half the limit, instead of
/// failing every request (closed) or limiting nothing (open).
/// </summary>
public sealed class RedisDownTests : IAsyncLifetime, IDisposable
{
    private readonly TestPki _pki = new("records");
    private readonly RedisServerFixture _redis = new();
    private LimitedReplicas? _replicas;

    public async Task InitializeAsync()
    {
        await _redis.InitializeAsync();
        _replicas = await LimitedReplicas.StartAsync(_pki, _redis.ConnectionString);
    }

    [Fact]
    public async Task RedisDown_EachReplicaAllowsHalfTheLimitThenRefuses()
    {
        using var client = _pki.CreateClient();
        await _redis.StopAsync();
        var half = LimitedReplicas.Limit / 2;

        foreach (var host in _replicas!.Hosts)
        {
            var statuses = new List<HttpStatusCode>();
            for (var i = 0; i <= half; i++)
            {
                using var response = await client.GetAsync(new Uri(host.Public, "/items"));
                statuses.Add(response.StatusCode);
            }

            Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.OK, half), HttpStatusCode.TooManyRequests], statuses);
        }
    }

    public async Task DisposeAsync()
    {
        if (_replicas is not null)
        {
            await _replicas.DisposeAsync();
        }

        await _redis.DisposeAsync();
    }

    public void Dispose() => _pki.Dispose();
}
