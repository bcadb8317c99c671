using Aspire.Hosting.ApplicationModel;
using HealthPlatform.AppHost.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace HealthPlatform.AppHost.Extensions;

internal static class ServiceDatabaseExtensions
{
    /// <summary>
    /// Adds one service's database with its own generated role password. When the server is
    /// ready the role and database are created (see <see cref="DatabaseProvisioner"/>); the
    /// database reports healthy once its role can log in to it.
    /// </summary>
    public static IResourceBuilder<ServiceDatabaseResource> AddServiceDatabase(this PlatformInfrastructure infrastructure, IDistributedApplicationBuilder builder, string name)
    {
        var password = builder.AddParameter($"{name}-password", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true);
        var database = builder.AddResource(new ServiceDatabaseResource(name, infrastructure.Postgres.Resource, infrastructure.PostgresEndpoint, password.Resource))
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "PostgresDatabase",
                State = KnownResourceStates.Waiting,
                Properties = [],
            })
            .ExcludeFromManifest();
        builder.AddConnectionHealthCheck(database, ConnectionProbes.PostgresAsync);

        infrastructure.Postgres.OnResourceReady(async (server, ready, cancellationToken) =>
        {
            var notifications = ready.Services.GetRequiredService<ResourceNotificationService>();
            await DatabaseProvisioner.ProvisionAsync(server, [database.Resource], cancellationToken);
            await notifications.PublishUpdateAsync(database.Resource, state => state with { State = KnownResourceStates.Running });
        });
        return database;
    }
}
