using System.Security.Cryptography;
using System.Text;
using Aspire.Hosting.ApplicationModel;
using HealthPlatform.AppHost.Infrastructure;
using HealthPlatform.LocalInfrastructure;
using HealthPlatform.ServiceDefaults;

namespace HealthPlatform.AppHost.Extensions;

internal static class LocalInfrastructureExtensions
{
    /// <summary>Where local servers keep their data (<c>LocalInfrastructure:DataDirectory</c>).</summary>
    public const string DataDirectoryKey = "LocalInfrastructure:DataDirectory";

    /// <summary>Overrides the PostgreSQL bin directory search (<c>LocalInfrastructure:PostgresBinDirectory</c>).</summary>
    public const string PostgresBinDirectoryKey = "LocalInfrastructure:PostgresBinDirectory";

    /// <summary>
    /// Runs Postgres, Redis and RabbitMQ (with its own epmd) from the machine's packages as
    /// resources of this AppHost: they start before the services, report health by really
    /// connecting, and stop when the AppHost stops.
    /// </summary>
    public static PlatformInfrastructure AddLocalInfrastructure(this IDistributedApplicationBuilder builder)
    {
        var root = builder.Configuration[DataDirectoryKey] is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : DefaultDataDirectory(builder.AppHostDirectory);
        DataDirectory.EnsureOwned(root);

        var postgres = builder.AddLocalPostgres(Path.Combine(root, "postgres"));
        var redis = builder.AddLocalRedis(Path.Combine(root, "redis"));
        var messaging = builder.AddLocalRabbitMq(Path.Combine(root, "rabbitmq"));
        return new PlatformInfrastructure(builder, postgres, postgres.Resource.Endpoint, redis, messaging);
    }

    /// <summary>
    /// A folder the <c>postgres</c> user can reach even when the AppHost runs as root (a home
    /// folder is often closed to other users), kept across reboots, one per checkout.
    /// </summary>
    private static string DefaultDataDirectory(string appHostDirectory)
    {
        var checkout = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(appHostDirectory)))[..12];
        return Path.Combine("/var/tmp", $"healthplatform-{Environment.UserName}-{checkout}");
    }

    private static IResourceBuilder<LocalServerResource> AddLocalPostgres(this IDistributedApplicationBuilder builder, string root)
    {
        var installation = PostgresInstallation.Find(builder.Configuration[PostgresBinDirectoryKey]);
        var cluster = new PostgresCluster(installation, root);
        var password = builder.AddParameter($"{ResourceNames.Postgres}-password", cluster.SuperUserPassword, secret: true);
        var command = cluster.ServerCommand(LocalPorts.Placeholder(LocalServerResource.EndpointName));

        var postgres = builder.AddLocalServer(ResourceNames.Postgres, root, command, server => ReferenceExpression.Create(
                $"Host={server.Endpoint.Property(EndpointProperty.Host)};Port={server.Endpoint.Property(EndpointProperty.Port)};Username={PostgresCluster.SuperUser};Password={password.Resource}"))
            .OnBeforeResourceStarted(async (_, _, cancellationToken) => await cluster.EnsureInitializedAsync(cancellationToken));
        builder.AddConnectionHealthCheck(postgres, ConnectionProbes.PostgresAsync);
        return postgres;
    }

    private static IResourceBuilder<LocalServerResource> AddLocalRedis(this IDistributedApplicationBuilder builder, string root)
    {
        var secret = Secrets.NewPassword();
        var password = builder.AddParameter($"{ResourceNames.Redis}-password", () => secret, secret: true);
        var command = RedisServer.Command(root, LocalPorts.Placeholder(LocalServerResource.EndpointName));

        var redis = builder.AddLocalServer(ResourceNames.Redis, root, command, server => ReferenceExpression.Create(
                $"{server.Endpoint.Property(EndpointProperty.Host)}:{server.Endpoint.Property(EndpointProperty.Port)},password={password.Resource}"))
            .OnBeforeResourceStarted((_, _, _) =>
            {
                RedisServer.WriteConfig(root, secret);
                return Task.CompletedTask;
            });
        builder.AddConnectionHealthCheck(redis, ConnectionProbes.RedisAsync);
        return redis;
    }

    private static IResourceBuilder<LocalServerResource> AddLocalRabbitMq(this IDistributedApplicationBuilder builder, string root)
    {
        const string userName = "healthplatform";
        const string epmdEndpoint = "epmd";
        const string distributionEndpoint = "dist";
        var secret = Secrets.NewPassword();
        var password = builder.AddParameter($"{ResourceNames.Messaging}-password", () => secret, secret: true);

        var epmd = builder.AddLocalServer($"{ResourceNames.Messaging}-epmd", root, RabbitMqNode.EpmdCommand(LocalPorts.Placeholder(LocalServerResource.EndpointName)),
            server => ReferenceExpression.Create($"{server.Endpoint.Property(EndpointProperty.Host)}:{server.Endpoint.Property(EndpointProperty.Port)}"));
        builder.AddConnectionHealthCheck(epmd, ConnectionProbes.TcpAsync);

        var command = RabbitMqNode.ServerCommand(
            root,
            $"healthplatform-{RandomNumberGenerator.GetHexString(8, lowercase: true)}",
            LocalPorts.Placeholder(LocalServerResource.EndpointName),
            LocalPorts.Placeholder(distributionEndpoint),
            LocalPorts.Placeholder(epmdEndpoint));
        var rabbit = builder.AddLocalServer(ResourceNames.Messaging, root, command,
                server => ReferenceExpression.Create(
                    $"amqp://{userName}:{password.Resource}@{server.Endpoint.Property(EndpointProperty.Host)}:{server.Endpoint.Property(EndpointProperty.Port)}/"),
                new Dictionary<string, EndpointReference> { [LocalPorts.Placeholder(epmdEndpoint)] = epmd.Resource.Endpoint },
                extraEndpoints: [distributionEndpoint])
            .WaitFor(epmd)
            .OnBeforeResourceStarted((_, _, _) =>
            {
                RabbitMqNode.Prepare(root, userName, secret);
                return Task.CompletedTask;
            });
        builder.AddConnectionHealthCheck(rabbit, ConnectionProbes.TcpAsync);
        return rabbit;
    }

    /// <summary>
    /// Adds a local server whose TCP ports the orchestrator allocates, so they can never clash
    /// with the ports it hands to other resources. The command carries port placeholders
    /// (<see cref="LocalPorts"/>) that are replaced by the allocated ports at start.
    /// Endpoints are not proxied: a proxy accepts TCP even while the server is down, which would
    /// defeat the health check.
    /// </summary>
    private static IResourceBuilder<LocalServerResource> AddLocalServer(
        this IDistributedApplicationBuilder builder,
        string name,
        string root,
        ProcessCommand command,
        Func<LocalServerResource, ReferenceExpression> connectionString,
        IReadOnlyDictionary<string, EndpointReference>? otherPorts = null,
        IReadOnlyList<string>? extraEndpoints = null)
    {
        var resource = new LocalServerResource(name, command.FileName, root, connectionString);
        var server = builder.AddResource(resource).ExcludeFromManifest();
        var ports = new Dictionary<string, EndpointReference>(otherPorts ?? new Dictionary<string, EndpointReference>());
        foreach (var endpoint in (extraEndpoints ?? []).Prepend(LocalServerResource.EndpointName))
        {
            server.WithEndpoint(scheme: "tcp", name: endpoint, isProxied: false);
            ports[LocalPorts.Placeholder(endpoint)] = new EndpointReference(resource, endpoint);
        }

        object Resolve(string value) =>
            ports.TryGetValue(value, out var endpoint) ? endpoint.Property(EndpointProperty.TargetPort) : value;

        server.WithArgs(context =>
        {
            foreach (var argument in command.Arguments)
            {
                context.Args.Add(Resolve(argument));
            }
        });
        server.WithEnvironment(context =>
        {
            foreach (var (key, value) in command.Environment)
            {
                context.EnvironmentVariables[key] = Resolve(value);
            }
        });
        return server;
    }
}
