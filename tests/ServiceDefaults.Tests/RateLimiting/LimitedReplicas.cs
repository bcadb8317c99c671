using HealthPlatform.ServiceDefaults.Caching;
using HealthPlatform.ServiceDefaults.RateLimiting;
using HealthPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace HealthPlatform.ServiceDefaults.Tests.RateLimiting;

/// <summary>Two replicas of one service sharing one Redis, with a small limit: 5 permits a minute; a search costs 3.</summary>
public sealed class LimitedReplicas : IAsyncDisposable
{
    public const int Limit = 5;
    public const int SearchCost = 3;

    private readonly List<WebApplication> _apps = [];

    private LimitedReplicas(IReadOnlyList<ServiceHost> hosts) => Hosts = hosts;

    public IReadOnlyList<ServiceHost> Hosts { get; }

    public static async Task<LimitedReplicas> StartAsync(TestPki pki, string redisConnectionString)
    {
        var replicas = new LimitedReplicas([new ServiceHost(pki, "records"), new ServiceHost(pki, "records")]);
        foreach (var host in replicas.Hosts)
        {
            var builder = host.CreateBuilder(new Dictionary<string, string?>
            {
                ["ConnectionStrings:redis"] = redisConnectionString,
                ["RateLimiting:Policies:default:PermitLimit"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["RateLimiting:Policies:default:Window"] = "00:01:00",
            });
            builder.AddPlatformRedis();
            var app = builder.Build();
            app.MapDefaultEndpoints();
            app.MapGet("/items", () => TypedResults.Ok("item")).AllowAnonymous();
            app.MapGet("/search", () => TypedResults.Ok("results")).AllowAnonymous().WithRateLimit(RateLimitingOptions.DefaultPolicy, SearchCost);
            await app.StartAsync();
            replicas._apps.Add(app);
        }

        return replicas;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }
    }
}
