using Aspire.Hosting.ApplicationModel;
using HealthPlatform.AppHost.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace HealthPlatform.AppHost.Infrastructure;

/// <summary>The shared servers of one run, whichever mode provides them, and the services' databases on them.</summary>
public sealed partial class PlatformInfrastructure
{
    private readonly IDistributedApplicationBuilder _builder;
    private readonly EndpointReference _postgresEndpoint;
    private readonly List<ServiceDatabaseResource> _databases = [];
    private readonly Dictionary<ServiceDatabaseResource, IResourceBuilder<ServiceDatabaseOwnerResource>> _owners = [];

    internal PlatformInfrastructure(
        IDistributedApplicationBuilder builder,
        IResourceBuilder<IResourceWithConnectionString> postgres,
        EndpointReference postgresEndpoint,
        IResourceBuilder<IResourceWithConnectionString> redis,
        IResourceBuilder<IResourceWithConnectionString> messaging)
    {
        _builder = builder;
        _postgresEndpoint = postgresEndpoint;
        Postgres = postgres;
        Redis = redis;
        Messaging = messaging;

        // Each time Postgres becomes ready, bring every service's role and database up to date.
        // A failure is shown on each database (state and log) rather than leaving the services
        // waiting for databases that will never come.
        postgres.OnResourceReady(async (server, ready, cancellationToken) =>
        {
            var notifications = ready.Services.GetRequiredService<ResourceNotificationService>();
            var state = KnownResourceStates.Running;
            try
            {
                await DatabaseProvisioner.ProvisionAsync(server, _databases, cancellationToken);
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
            {
                var logs = ready.Services.GetRequiredService<ResourceLoggerService>();
                foreach (var database in _databases)
                {
                    LogProvisioningFailed(logs.GetLogger(database), ex.Message);
                }

                state = KnownResourceStates.FailedToStart;
            }

            foreach (var database in _databases)
            {
                await notifications.PublishUpdateAsync(database, snapshot => snapshot with { State = state });
            }

            foreach (var owner in _owners.Values)
            {
                await notifications.PublishUpdateAsync(owner.Resource, snapshot => snapshot with { State = state });
            }
        });
    }

    public IResourceBuilder<IResourceWithConnectionString> Postgres { get; }

    public IResourceBuilder<IResourceWithConnectionString> Redis { get; }

    public IResourceBuilder<IResourceWithConnectionString> Messaging { get; }

    /// <summary>
    /// Adds one service's database with its own generated role password. It is created when the
    /// server is ready (<see cref="DatabaseProvisioner"/>) and reports healthy once its role can
    /// log in to it.
    /// </summary>
    /// <param name="withRuntimeRole">Give the service a second, weaker role to run as (<see cref="ServiceDatabaseResource.RuntimePassword"/>).</param>
    public IResourceBuilder<ServiceDatabaseResource> AddServiceDatabase(string name, bool withRuntimeRole = false)
    {
        var password = _builder.AddParameter($"{name}-password", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true);
        var runtimePassword = withRuntimeRole
            ? _builder.AddParameter($"{name}-app-password", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true)
            : null;
        var database = _builder.AddResource(new ServiceDatabaseResource(name, Postgres.Resource, _postgresEndpoint, password.Resource, runtimePassword?.Resource))
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "PostgresDatabase",
                State = KnownResourceStates.Waiting,
                Properties = [],
            })
            .ExcludeFromManifest();
        _builder.AddConnectionHealthCheck(database, ConnectionProbes.PostgresAsync);
        _databases.Add(database.Resource);
        if (withRuntimeRole)
        {
            var owner = _builder.AddResource(new ServiceDatabaseOwnerResource(database.Resource))
                .WithInitialState(new CustomResourceSnapshot
                {
                    ResourceType = "PostgresDatabaseOwner",
                    State = KnownResourceStates.Waiting,
                    Properties = [],
                })
                .ExcludeFromManifest();
            _builder.AddConnectionHealthCheck(owner, ConnectionProbes.PostgresAsync);
            _owners[database.Resource] = owner;
        }

        return database;
    }

    /// <summary>The owner's connection of a database added with a runtime role; null otherwise.</summary>
    public IResourceBuilder<ServiceDatabaseOwnerResource>? OwnerOf(IResourceBuilder<ServiceDatabaseResource> database)
    {
        ArgumentNullException.ThrowIfNull(database);
        return _owners.GetValueOrDefault(database.Resource);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Creating the role and database failed: {Error}")]
    private static partial void LogProvisioningFailed(ILogger logger, string error);
}
