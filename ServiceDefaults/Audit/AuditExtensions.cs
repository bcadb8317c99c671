using HealthPlatform.ServiceDefaults.Audit.Outbox;
using HealthPlatform.ServiceDefaults.Health;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace HealthPlatform.ServiceDefaults.Audit;

public static class AuditExtensions
{
    /// <summary>The readiness check that turns Degraded while audit events wait in the outbox.</summary>
    public const string OutboxHealthCheckName = "audit-outbox";

    /// <summary>The audit producer (<see cref="IAuditTrail"/>); added by <c>AddPlatformMessaging</c>.</summary>
    internal static IHostApplicationBuilder AddAuditTrail(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuditTrailOptions>()
            .Bind(builder.Configuration.GetSection(AuditTrailOptions.SectionName))
            .Validate(options => options.ConfirmTimeout > TimeSpan.Zero && options.OutboxPollInterval > TimeSpan.Zero
                && options.OutboxMaxBackoff >= TimeSpan.FromSeconds(1) && options.OutboxAlertAge > TimeSpan.Zero
                && options.OutboxBatchSize is > 0 and <= 1000,
                "Audit: ConfirmTimeout, OutboxPollInterval and OutboxAlertAge must be positive, OutboxMaxBackoff at least 1 s, OutboxBatchSize 1-1000.")
            .ValidateOnStart();
        builder.Services.TryAddSingleton<AuditMetrics>();
        builder.Services.TryAddSingleton<AuditTrail>();
        builder.Services.TryAddSingleton<IAuditTrail>(services => services.GetRequiredService<AuditTrail>());
        builder.Services.TryAddSingleton<SecurityEventWriter>();
        builder.Services.TryAddSingleton<ISecurityEventWriter>(services => services.GetRequiredService<SecurityEventWriter>());
        builder.Services.AddHostedService(services => services.GetRequiredService<SecurityEventWriter>());
        return builder;
    }

    /// <summary>
    /// A transactional audit outbox in <typeparamref name="TContext"/>'s database (whose model must
    /// call <see cref="AuditOutboxModel.AddAuditOutbox"/>) and the relay that empties it into the
    /// audit queue. Needs <c>AddPlatformDatabase&lt;TContext&gt;</c> and <c>AddPlatformMessaging</c>.
    /// </summary>
    public static IHostApplicationBuilder AddAuditOutbox<TContext>(this IHostApplicationBuilder builder)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<AuditOutboxSignal>();
        builder.Services.TryAddSingleton<AuditOutboxInterceptor>();
        builder.Services.TryAddSingleton<IAuditOutbox, AuditOutboxStore<TContext>>();
        builder.Services.AddHostedService<AuditOutboxRelay<TContext>>();
        builder.Services.AddHealthChecks().AddCheck<AuditOutboxHealthCheck<TContext>>(OutboxHealthCheckName, tags: [HealthTags.Ready]);
        return builder;
    }
}
