using HealthPlatform.AppHost.Infrastructure;
using HealthPlatform.ServiceDefaults;

namespace HealthPlatform.AppHost.Extensions;

internal static class ContainerInfrastructureExtensions
{
    /// <summary>Postgres, Redis and RabbitMQ from Aspire's container integrations, passwords generated.</summary>
    public static PlatformInfrastructure AddContainerInfrastructure(this IDistributedApplicationBuilder builder)
    {
        var postgres = builder.AddPostgres(ResourceNames.Postgres).WithDataVolume();
        var redis = builder.AddRedis(ResourceNames.Redis);
        var messaging = builder.AddRabbitMQ(ResourceNames.Messaging);
        return new PlatformInfrastructure(builder, postgres, postgres.Resource.PrimaryEndpoint, redis, messaging);
    }
}
