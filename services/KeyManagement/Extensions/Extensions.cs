using HealthPlatform.KeyManagement.Infrastructure;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.Caching;
using HealthPlatform.ServiceDefaults.Data;
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
        return builder;
    }
}
