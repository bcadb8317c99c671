using HealthPlatform.Records.Infrastructure;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.Caching;
using HealthPlatform.ServiceDefaults.Data;
using HealthPlatform.ServiceDefaults.Messaging;

namespace HealthPlatform.Records.Extensions;

public static class Extensions
{
    public static IHostApplicationBuilder AddRecordsServices(this IHostApplicationBuilder builder)
    {
        builder.AddPlatformDatabase<RecordsDbContext>(ResourceNames.RecordsDatabase);
        builder.AddPlatformRedis();
        builder.AddPlatformMessaging();
        builder.AddAuditOutbox<RecordsDbContext>();
        return builder;
    }
}
