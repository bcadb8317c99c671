using Aspire.Hosting.ApplicationModel;
using HealthPlatform.AppHost.Extensions;
using HealthPlatform.AppHost.RunModes;
using Microsoft.Extensions.DependencyInjection;

namespace HealthPlatform.AppHost.Infrastructure;

/// <summary>The shared servers of one run, whichever mode provides them, and the services' databases on them.</summary>
public sealed class PlatformInfrastructure
{
    private readonly IDistributedApplicationBuilder _builder;
    private readonly EndpointReference _postgresEndpoint;
    private readonly List<ServiceDatabaseResource> _databases = [];

    internal PlatformInfrastructure(
        IDistributedApplicationBuilder builder,
        RunMode mode,
        IResourceBuilder<IResourceWithConnectionString> postgres,
        EndpointReference postgresEndpoint,
        IResourceBuilder<IResourceWithConnectionString> redis,
        IResourceBuilder<IResourceWithConnectionString> messaging)
    {
        _builder = builder;
        _postgresEndpoint = postgresEndpoint;
        Mode = mode;
        Postgres = postgres;
        Redis = redis;
        Messaging = messaging;

        // Each time Postgres becomes ready, bring every service's role and database up to date.
        postgres.OnResourceReady(async (server, ready, cancellationToken) =>
        {
            await DatabaseProvisioner.ProvisionAsync(server, _databases, cancellationToken);
            var notifications = ready.Services.GetRequiredService<ResourceNotificationService>();
            foreach (var database in _databases)
            {
                await notifications.PublishUpdateAsync(database, state => state with { State = KnownResourceStates.Running });
            }
        });
    }

    public RunMode Mode { get; }

    public IResourceBuilder<IResourceWithConnectionString> Postgres { get; }

    public IResourceBuilder<IResourceWithConnectionString> Redis { get; }

    public IResourceBuilder<IResourceWithConnectionString> Messaging { get; }

    /// <summary>
    /// Adds one service's database with its own generated role password. It is created when the
    /// server is ready (<see cref="DatabaseProvisioner"/>) and reports healthy once its role can
    /// log in to it.
    /// </summary>
    public IResourceBuilder<ServiceDatabaseResource> AddServiceDatabase(string name)
    {
        var password = _builder.AddParameter($"{name}-password", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true);
        var database = _builder.AddResource(new ServiceDatabaseResource(name, Postgres.Resource, _postgresEndpoint, password.Resource))
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "PostgresDatabase",
                State = KnownResourceStates.Waiting,
                Properties = [],
            })
            .ExcludeFromManifest();
        _builder.AddConnectionHealthCheck(database, ConnectionProbes.PostgresAsync);
        _databases.Add(database.Resource);
        return database;
    }
}
