using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Health;
using HealthPlatform.ServiceDefaults.Messaging;
using HealthPlatform.ServiceDefaults.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;

namespace HealthPlatform.KeyManagement.Client;

public static class KeyManagementClientExtensions
{
    /// <summary>
    /// The key-management client: <see cref="KeyManagementApi"/> over mTLS to the key-management
    /// service's internal endpoint, <see cref="DataKeyCache"/> bounded by section
    /// <c>KeyManagementClient</c>, its eviction on <c>SubjectKeyDestroyed</c> (readiness check
    /// <c>key-cache</c>), and <see cref="DataCipher"/>. Needs the platform's messaging.
    /// </summary>
    public static IHostApplicationBuilder AddKeyManagementClient(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptionsWithValidateOnStart<KeyManagementClientOptions>()
            .Bind(builder.Configuration.GetSection(KeyManagementClientOptions.SectionName))
            .Validate(options => options.MaxAge > TimeSpan.Zero && options.MaxAge <= TimeSpan.FromHours(1), $"{KeyManagementClientOptions.SectionName}:MaxAge must be more than 0 and at most an hour.")
            .Validate(options => options.MaxUses >= 1, $"{KeyManagementClientOptions.SectionName}:MaxUses must be at least 1.")
            .Validate(options => options.Capacity >= 1, $"{KeyManagementClientOptions.SectionName}:Capacity must be at least 1.");
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<DataKeyCache>();
        builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(DataKeyCache.MeterName));
        builder.Services.AddSingleton<DataCipher>();
        builder.AddPlatformServiceClient<KeyManagementApi>(ResourceNames.KeyManagement);
        builder.Services.AddSingleton<SubjectKeyEvictions>();
        builder.Services.AddHostedService(services => services.GetRequiredService<SubjectKeyEvictions>());
        builder.Services.AddHealthChecks().AddCheck<InstanceListenerHealthCheck<SubjectKeyEvictions>>("key-cache", tags: [HealthTags.Ready]);
        return builder;
    }
}
