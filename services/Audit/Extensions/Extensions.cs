using HealthPlatform.Audit.Consumers;
using HealthPlatform.Audit.Infrastructure;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.Caching;
using HealthPlatform.ServiceDefaults.Data;
using HealthPlatform.ServiceDefaults.Messaging;

namespace HealthPlatform.Audit.Extensions;

public static class Extensions
{
    public static IHostApplicationBuilder AddAuditServices(this IHostApplicationBuilder builder)
    {
        builder.AddPlatformDatabase<AuditDbContext>(ResourceNames.AuditDatabase);
        builder.AddPlatformRedis();
        builder.AddPlatformMessaging(bus => bus.AddConsumer<MessagingProbeConsumer>());
        builder.AddAuditOutbox<AuditDbContext>();
        return builder;
    }
}
