using HealthPlatform.Audit.Access;
using HealthPlatform.Audit.Checkpoints;
using HealthPlatform.Audit.Consumers;
using HealthPlatform.Audit.Detection;
using HealthPlatform.Audit.Fhir;
using HealthPlatform.Audit.Infrastructure;
using HealthPlatform.Audit.Ingestion;
using HealthPlatform.Audit.Ledger;
using HealthPlatform.Audit.Verification;
using HealthPlatform.KeyManagement.Client;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.Authorization.Revocations;
using HealthPlatform.ServiceDefaults.Caching;
using HealthPlatform.ServiceDefaults.Data;
using HealthPlatform.ServiceDefaults.Health;
using HealthPlatform.ServiceDefaults.Messaging;
using Npgsql;
using OpenTelemetry.Metrics;

namespace HealthPlatform.Audit.Extensions;

public static class Extensions
{
    /// <summary>The connection string of the role that owns the audit schema and migrates it; the service itself runs as <c>ConnectionStrings:auditdb</c>, which may only read and append.</summary>
    public static readonly string OwnerConnectionName = DatabaseOwner.ConnectionNameOf(ResourceNames.AuditDatabase);

    /// <summary>Readiness check: fails while the service's role could change the log.</summary>
    public const string AppendOnlyCheck = "audit-append-only";

    public static IHostApplicationBuilder AddAuditServices(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddPlatformDatabase<AuditDbContext, AuditDatabaseGrants>(ResourceNames.AuditDatabase, AppendOnlyCheck);
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(builder.Configuration.GetRequiredConnectionString(ResourceNames.AuditDatabase)));
        builder.AddPlatformRedis();
        builder.AddPlatformMessaging(bus =>
        {
            bus.AddConsumer<MessagingProbeConsumer>();
            bus.AddConsumer<AuditEventConsumer>(typeof(AuditEventConsumerDefinition));
        });
        builder.AddAuditOutbox<AuditDbContext>();
        builder.AddKeyManagementClient();
        builder.AddAuditAccess();
        builder.AddAccessTokenRevocations();

        builder.Services.AddOptionsWithValidateOnStart<AuditLogOptions>()
            .Bind(builder.Configuration.GetSection(AuditLogOptions.SectionName))
            .Validate(options => options.MaxEventBytes is >= 1024 and <= 1024 * 1024, $"{AuditLogOptions.SectionName}:MaxEventBytes must be between 1 KiB and 1 MiB.")
            .Validate(options => options.MaxBatchSize is >= 1 and <= 5000, $"{AuditLogOptions.SectionName}:MaxBatchSize must be between 1 and 5000.")
            .Validate(options => options.CheckpointInterval >= TimeSpan.FromMilliseconds(100), $"{AuditLogOptions.SectionName}:CheckpointInterval must be at least 100 ms.")
            .Validate(options => !string.IsNullOrWhiteSpace(options.SigningKey), $"{AuditLogOptions.SectionName}:SigningKey names the key-management signing key.");
        builder.Services.AddSingleton<AuditLogMetrics>();
        builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(AuditLogMetrics.MeterName));
        builder.Services.AddSingleton<AuditLedger>();
        builder.Services.AddHostedService(services => services.GetRequiredService<AuditLedger>());
        builder.Services.AddSingleton<CheckpointWriter>();
        builder.Services.AddHostedService(services => services.GetRequiredService<CheckpointWriter>());
        builder.Services.AddSingleton<ChainVerifier>();

        builder.Services.AddOptionsWithValidateOnStart<DetectionOptions>()
            .Bind(builder.Configuration.GetSection(DetectionOptions.SectionName))
            .Validate(options => options.Rules.All(rule => rule.Options.Threshold >= 0 && (rule.Rule == Contracts.Audit.AlertRule.BreakTheGlassUsed || rule.Options.Window >= TimeSpan.FromSeconds(1))),
                $"{DetectionOptions.SectionName}: each rule's Threshold must not be negative and its Window at least a second.")
            .Validate(options => TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone, out _), $"{DetectionOptions.SectionName}:TimeZone must be an IANA time zone id.")
            .Validate(options => options.WorkStart < options.WorkEnd, $"{DetectionOptions.SectionName}:WorkStart must be before WorkEnd.")
            .Validate(options => options.PollInterval >= TimeSpan.FromMilliseconds(50), $"{DetectionOptions.SectionName}:PollInterval must be at least 50 ms.");
        builder.Services.AddOptionsWithValidateOnStart<AlertOptions>()
            .Bind(builder.Configuration.GetSection(AlertOptions.SectionName))
            .Validate(options => options.IsValid(), $"{AlertOptions.SectionName}: WebhookUrl must be https (or http to a loopback address) and WebhookSecret at least 32 characters.");
        builder.Services.AddSingleton<DetectionSignal>();
        builder.Services.AddSingleton<DetectionEngine>();
        builder.Services.AddSingleton<IAlertSink, LogAlertSink>();
        builder.Services.AddHttpClient<WebhookAlertSink>();
        builder.Services.AddSingleton<IAlertSink>(services => services.GetRequiredService<WebhookAlertSink>());
        builder.Services.AddHostedService<DetectionWorker>();
        builder.Services.AddSingleton<ErrorQueueHealthCheck>();
        builder.Services.AddHealthChecks()
            .AddCheck<ErrorQueueHealthCheck>(ErrorQueueHealthCheck.Name, tags: [HealthTags.Ready])
            .AddCheck<CheckpointHealthCheck>(CheckpointHealthCheck.Name, tags: [HealthTags.Ready]);
        return builder;
    }

    /// <summary><c>--migrate-only</c> (Kubernetes init container): migrate and grant as the owner, then exit.</summary>
    public static Task<int> RunAuditMigrationsAsync(this HostApplicationBuilder builder, CancellationToken cancellationToken = default) =>
        MigrateOnly.RunAsync<AuditDbContext, AuditDatabaseGrants>(builder, ResourceNames.AuditDatabase, cancellationToken);

    public static WebApplication MapAuditEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapChainVerification();
        app.MapAuditEvents();
        app.MapAlerts();
        return app;
    }
}
