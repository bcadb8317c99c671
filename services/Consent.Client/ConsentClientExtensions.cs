using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Health;
using HealthPlatform.ServiceDefaults.Messaging;
using HealthPlatform.ServiceDefaults.Security;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using ZiggyCreatures.Caching.Fusion;

namespace HealthPlatform.Consent.Client;

public static class ConsentClientExtensions
{
    /// <summary>
    /// The consent client: <see cref="ConsentApi"/> over mTLS to the consent service's internal
    /// endpoint, <see cref="ConsentDecisions"/> cached per section <c>ConsentClient</c>, and its
    /// eviction on <c>ConsentChanged</c> (readiness check <c>consent-cache</c>). Needs the
    /// platform's messaging; the caller's certificate must be one the decision endpoint accepts.
    /// </summary>
    public static IHostApplicationBuilder AddConsentClient(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptionsWithValidateOnStart<ConsentClientOptions>()
            .Bind(builder.Configuration.GetSection(ConsentClientOptions.SectionName))
            .Validate(options => options.MaxAge > TimeSpan.Zero && options.MaxAge <= TimeSpan.FromMinutes(10), $"{ConsentClientOptions.SectionName}:MaxAge must be more than 0 and at most 10 minutes.")
            .Validate(options => options.Capacity >= 1, $"{ConsentClientOptions.SectionName}:Capacity must be at least 1.");
        builder.Services.TryAddSingleton(TimeProvider.System);

        // Memory only: every instance hears every change on its own queue, so there is no shared layer to keep in step (ADR-011).
        builder.Services.AddFusionCache(ConsentDecisions.CacheName)
            .WithOptions(options => options.CacheKeyPrefix = ConsentDecisions.CacheName + ":")
            .WithMemoryCache(services => new MemoryCache(new MemoryCacheOptions { SizeLimit = services.GetRequiredService<IOptions<ConsentClientOptions>>().Value.Capacity }))
            .WithoutDistributedCache()
            .WithDefaultEntryOptions(entry =>
            {
                entry.Size = 1;
                entry.IsFailSafeEnabled = false;
            });
        builder.AddPlatformServiceClient<ConsentApi>(ResourceNames.Consent);
        builder.Services.AddSingleton<ConsentDecisions>();
        builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(ConsentDecisions.MeterName));
        builder.Services.AddSingleton<ConsentChangeListener>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ConsentChangeListener>());
        builder.Services.AddHealthChecks().AddCheck<InstanceListenerHealthCheck<ConsentChangeListener>>("consent-cache", tags: [HealthTags.Ready]);
        return builder;
    }
}
