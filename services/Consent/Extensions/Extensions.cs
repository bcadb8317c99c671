using HealthPlatform.Consent.Decisions;
using HealthPlatform.Consent.Domain;
using HealthPlatform.Consent.Fhir;
using HealthPlatform.Consent.Infrastructure;
using HealthPlatform.Consent.Store;
using HealthPlatform.KeyManagement.Client;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.Authorization.Revocations;
using HealthPlatform.ServiceDefaults.Authorization.Tokens;
using HealthPlatform.ServiceDefaults.Caching;
using HealthPlatform.ServiceDefaults.Data;
using HealthPlatform.ServiceDefaults.Messaging;
using HealthPlatform.ServiceDefaults.RateLimiting;

namespace HealthPlatform.Consent.Extensions;

public static class Extensions
{
    /// <summary>Readiness check: fails while the service's role could rewrite or delete recorded consents.</summary>
    public const string AppendOnlyCheck = "consent-append-only";

    public static IHostApplicationBuilder AddConsentServices(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // Runs as a role that can record consents but not rewrite them; the owner migrates (ADR-011).
        builder.AddPlatformDatabase<ConsentDbContext, ConsentDatabaseGrants>(ResourceNames.ConsentDatabase, AppendOnlyCheck);
        builder.AddPlatformRedis();
        builder.Services.Configure<RateLimitingOptions>(options =>
            options.Policies.TryAdd(DecisionEndpoints.RateLimitPolicy, new RateLimitPolicyOptions { PermitLimit = 60_000, Window = TimeSpan.FromMinutes(1) }));
        builder.AddPlatformMessaging();
        builder.AddAuditOutbox<ConsentDbContext>();
        builder.AddKeyManagementClient();
        builder.AddPlatformTokenValidation();
        builder.AddAccessTokenRevocations();

        builder.Services.AddOptionsWithValidateOnStart<ConsentPolicyOptions>()
            .Bind(builder.Configuration.GetSection(ConsentPolicyOptions.SectionName))
            .Validate(options => options.EffectiveDefaultPermittedPurposes.All(Enum.IsDefined), $"{ConsentPolicyOptions.SectionName}:DefaultPermittedPurposes must name purposes of use.")
            .Validate(options => options.EffectiveBreakTheGlassRoles.Concat(options.EffectiveRecordingRoles).All(ServiceDefaults.Authorization.PlatformRoles.All.Contains),
                $"{ConsentPolicyOptions.SectionName}: BreakTheGlassRoles and RecordingRoles must be platform roles.");
        builder.Services.AddSingleton<ConsentDecisionEngine>();
        builder.Services.AddSingleton<ConsentValidator>();
        builder.Services.AddHostedService<ConsentValidatorWarmup>();
        builder.Services.AddSingleton<ConsentChangePublisher>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ConsentChangePublisher>());
        builder.Services.AddScoped<ConsentStore>();
        builder.Services.AddScoped<ConsentDecisions>();
        builder.Services.AddHealthChecks().AddCheck<ConsentValidatorHealthCheck>(ConsentValidatorHealthCheck.Name, tags: ConsentValidatorHealthCheck.Tags);
        return builder;
    }

    /// <summary><c>--migrate-only</c> (Kubernetes init container): migrate and grant as the owner, then exit.</summary>
    public static Task<int> RunConsentMigrationsAsync(this HostApplicationBuilder builder, CancellationToken cancellationToken = default) =>
        MigrateOnly.RunAsync<ConsentDbContext, ConsentDatabaseGrants>(builder, ResourceNames.ConsentDatabase, cancellationToken);

    public static WebApplication MapConsentEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapConsents();
        app.MapDecisions();
        return app;
    }
}
