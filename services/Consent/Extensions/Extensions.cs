using HealthPlatform.Consent.Infrastructure;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.Caching;
using HealthPlatform.ServiceDefaults.Data;
using HealthPlatform.ServiceDefaults.Messaging;

namespace HealthPlatform.Consent.Extensions;

public static class Extensions
{
    public static IHostApplicationBuilder AddConsentServices(this IHostApplicationBuilder builder)
    {
        builder.AddPlatformDatabase<ConsentDbContext>(ResourceNames.ConsentDatabase);
        builder.AddPlatformRedis();
        builder.AddPlatformMessaging();
        builder.AddAuditOutbox<ConsentDbContext>();
        return builder;
    }
}
