using System.Globalization;
using HealthPlatform.LocalInfrastructure;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Caching;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace HealthPlatform.Bench.RateLimiting;

/// <summary>A service built like the platform's, with or without the Redis-backed limiter, answering GET /ping.</summary>
internal sealed class BenchHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BenchHost(WebApplication app, Uri ping)
    {
        _app = app;
        Ping = ping;
    }

    public Uri Ping { get; }

    public static async Task<BenchHost> StartAsync(string certificateDirectory, string? redisConnectionString)
    {
        var publicPort = FreePort.Next();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Endpoints:PublicPort"] = publicPort.ToString(CultureInfo.InvariantCulture),
            ["Endpoints:ManagementPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["Certificates:Directory"] = certificateDirectory,
            ["ConnectionStrings:redis"] = redisConnectionString,
            // High enough never to refuse: the cost of counting is what is measured.
            ["RateLimiting:Policies:default:PermitLimit"] = "100000000",
            ["RateLimiting:Policies:default:Window"] = "01:00:00",
        });
        builder.AddServiceDefaults();
        if (redisConnectionString is not null)
        {
            builder.AddPlatformRedis();
        }

        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapGet("/ping", () => TypedResults.Ok("pong")).AllowAnonymous();
        await app.StartAsync();
        return new BenchHost(app, new Uri(string.Create(CultureInfo.InvariantCulture, $"https://127.0.0.1:{publicPort}/ping")));
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
