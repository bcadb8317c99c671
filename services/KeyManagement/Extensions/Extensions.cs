using HealthPlatform.KeyManagement.Infrastructure;
using HealthPlatform.KeyManagement.Keys;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.Authorization.Revocations;
using HealthPlatform.ServiceDefaults.Authorization.Tokens;
using HealthPlatform.ServiceDefaults.Caching;
using HealthPlatform.ServiceDefaults.Data;
using HealthPlatform.ServiceDefaults.Health;
using HealthPlatform.ServiceDefaults.Messaging;

namespace HealthPlatform.KeyManagement.Extensions;

public static class Extensions
{
    public static IHostApplicationBuilder AddKeyManagementServices(this IHostApplicationBuilder builder)
    {
        builder.AddPlatformDatabase<KeyManagementDbContext>(ResourceNames.KeyManagementDatabase);
        builder.AddPlatformRedis();
        builder.AddPlatformMessaging();
        builder.AddAuditOutbox<KeyManagementDbContext>();

        // Administrative operations take a security officer's token as well as the operator certificate.
        builder.AddPlatformTokenValidation();
        builder.AddAccessTokenRevocations();
        builder.Services.AddOptionsWithValidateOnStart<KeyManagementOptions>()
            .Bind(builder.Configuration.GetSection(KeyManagementOptions.SectionName))
            .Validate(options => ConfiguredRootKey.Parse(options.RootKey) is not null, $"{KeyManagementOptions.SectionName}:RootKey must be 32 bytes, base64 (a mounted secret).")
            .Validate(options => options.AdditionalRootKeys.All(key => ConfiguredRootKey.Parse(key) is not null), $"{KeyManagementOptions.SectionName}:AdditionalRootKeys must each be 32 bytes, base64.")
            .Validate(options => options.Keys.Keys.All(KeyManagementOptions.IsKeyName), $"{KeyManagementOptions.SectionName}:Keys: names are lower-case letters, digits and '-'.")
            .Validate(options => options.Keys.Values.All(key => key.RotationPeriod is null || key.RotationPeriod >= TimeSpan.FromHours(1)), $"{KeyManagementOptions.SectionName}:Keys:*:RotationPeriod must be at least an hour.")
            .Validate(options => options.RotationCheckInterval >= TimeSpan.FromMilliseconds(100), $"{KeyManagementOptions.SectionName}:RotationCheckInterval must be at least 100 ms.");
        builder.Services.AddSingleton<IRootKeyProvider, ConfiguredRootKey>();
        builder.Services.AddSingleton<KeyRing>();
        builder.Services.AddSingleton<SubjectKeys>();
        builder.Services.AddSingleton<TombstoneJournal>();
        builder.Services.AddSingleton<TombstoneReplay>();
        builder.Services.AddHostedService(services => services.GetRequiredService<TombstoneReplay>());
        builder.Services.AddHealthChecks().AddCheck<TombstoneReplayHealthCheck>("tombstones", tags: [HealthTags.Ready]);
        builder.Services.AddHostedService<ScheduledRotation>();
        builder.Services.AddSingleton<RootKeyRotation>();
        builder.Services.AddHostedService(services => services.GetRequiredService<RootKeyRotation>());
        builder.Services.AddHealthChecks().AddCheck<RootKeyHealthCheck>("root-key", tags: [HealthTags.Ready]);
        return builder;
    }

    /// <summary>The service's routes, all on the internal (mTLS) listener.</summary>
    public static WebApplication MapKeyManagementEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapDataKeys();
        app.MapSigningAndMetadata();
        app.MapSubjectKeys();
        app.MapKeyAdministration();
        return app;
    }
}
