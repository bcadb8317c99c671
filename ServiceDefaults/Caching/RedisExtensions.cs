using HealthPlatform.ServiceDefaults.Health;
using HealthPlatform.ServiceDefaults.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace HealthPlatform.ServiceDefaults.Caching;

public static class RedisExtensions
{
    /// <summary>
    /// Registers one shared <see cref="IConnectionMultiplexer"/> for <c>ConnectionStrings:redis</c>,
    /// a readiness check named <c>redis</c>, and the Redis-backed rate limiter (applied by
    /// <c>MapDefaultEndpoints</c>). The multiplexer reconnects by itself, so a Redis restart heals
    /// without restarting the service.
    /// </summary>
    public static IHostApplicationBuilder AddPlatformRedis(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var connectionString = builder.Configuration.GetRequiredConnectionString(ResourceNames.Redis);
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(connectionString);
        }
        catch (ArgumentException)
        {
            throw new InvalidOperationException($"Setting 'ConnectionStrings:{ResourceNames.Redis}' is not a valid Redis connection string.");
        }

        options.AbortOnConnectFail = false;
        options.ClientName = builder.Environment.ApplicationName;

        builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(options));

        // Rate limits are counted in this Redis, shared by every replica.
        builder.Services.AddOptionsWithValidateOnStart<RateLimitingOptions>()
            .Bind(builder.Configuration.GetSection(RateLimitingOptions.SectionName));
        builder.Services.AddSingleton<IValidateOptions<RateLimitingOptions>, RateLimitingOptionsValidator>();
        builder.Services.AddSingleton<PlatformRateLimiter>();
        builder.Services.AddHealthChecks()
            .AddCheck<RedisHealthCheck>(ResourceNames.Redis, tags: [HealthTags.Ready]);
        return builder;
    }
}
