using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Aspire.Hosting.ApplicationModel;
using HealthPlatform.AppHost.Infrastructure;
using HealthPlatform.AppHost.RunModes;
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

        var postgres = builder.AddLocalPostgres(Path.Combine(root, "postgres"));
        var redis = builder.AddLocalRedis(Path.Combine(root, "redis"));
        var messaging = builder.AddLocalRabbitMq(Path.Combine(root, "rabbitmq"));
        return new PlatformInfrastructure(RunMode.Local, postgres.Builder, postgres.Endpoint, redis, messaging);
    }

    /// <summary>
    /// A folder the <c>postgres</c> user can reach even when the AppHost runs as root (a home
    /// folder is often closed to other users), kept across reboots, one per checkout.
    /// </summary>
    private static string DefaultDataDirectory(string appHostDirectory)
    {
        var checkout = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(appHostDirectory)))[..12];
        return Path.Combine("/var/tmp", "healthplatform", $"{Environment.UserName}-{checkout}");
    }

    private static (IResourceBuilder<IResourceWithConnectionString> Builder, EndpointReference Endpoint) AddLocalPostgres(
        this IDistributedApplicationBuilder builder, string root)
    {
        var installation = PostgresInstallation.Find(builder.Configuration[PostgresBinDirectoryKey]);
        var cluster = new PostgresCluster(installation, root);
        var password = builder.AddParameter($"{ResourceNames.Postgres}-password", cluster.SuperUserPassword, secret: true);
        var port = FreePort.Next();
        var command = cluster.ServerCommand(port.ToString(CultureInfo.InvariantCulture));

        var resource = new LocalServerResource(ResourceNames.Postgres, command.FileName, root, server => ReferenceExpression.Create(
            $"Host={server.Endpoint.Property(EndpointProperty.Host)};Port={server.Endpoint.Property(EndpointProperty.Port)};Username={PostgresCluster.SuperUser};Password={password.Resource}"));
        var postgres = builder.AddLocalServer(resource, port, command)
            .OnBeforeResourceStarted(async (_, _, cancellationToken) => await cluster.EnsureInitializedAsync(cancellationToken));
        builder.AddConnectionHealthCheck(postgres, ConnectionProbes.PostgresAsync);
        return (postgres, resource.Endpoint);
    }

    private static IResourceBuilder<IResourceWithConnectionString> AddLocalRedis(this IDistributedApplicationBuilder builder, string root)
    {
        var secret = Secrets.NewPassword();
        var password = builder.AddParameter($"{ResourceNames.Redis}-password", () => secret, secret: true);
        var port = FreePort.Next();
        var command = RedisServer.Command(root, port, secret);
        var resource = new LocalServerResource(ResourceNames.Redis, command.FileName, root, server => ReferenceExpression.Create(
            $"{server.Endpoint.Property(EndpointProperty.Host)}:{server.Endpoint.Property(EndpointProperty.Port)},password={password.Resource}"));
        var redis = builder.AddLocalServer(resource, port, command);
        builder.AddConnectionHealthCheck(redis, ConnectionProbes.TcpAsync);
        return redis;
    }

    private static IResourceBuilder<IResourceWithConnectionString> AddLocalRabbitMq(this IDistributedApplicationBuilder builder, string root)
    {
        const string userName = "healthplatform";
        var secret = Secrets.NewPassword();
        var password = builder.AddParameter($"{ResourceNames.Messaging}-password", () => secret, secret: true);
        var epmdPort = FreePort.Next();
        var epmdCommand = RabbitMqNode.EpmdCommand(epmdPort);
        var epmdResource = new LocalServerResource($"{ResourceNames.Messaging}-epmd", epmdCommand.FileName, root, server => ReferenceExpression.Create(
            $"{server.Endpoint.Property(EndpointProperty.Host)}:{server.Endpoint.Property(EndpointProperty.Port)}"));
        var epmd = builder.AddLocalServer(epmdResource, epmdPort, epmdCommand);
        builder.AddConnectionHealthCheck(epmd, ConnectionProbes.TcpAsync);

        var port = FreePort.Next();
        var command = RabbitMqNode.ServerCommand(root, $"healthplatform-{port}", port, FreePort.Next(), epmdPort, userName, secret);
        var resource = new LocalServerResource(ResourceNames.Messaging, command.FileName, root, server => ReferenceExpression.Create(
            $"amqp://{userName}:{password.Resource}@{server.Endpoint.Property(EndpointProperty.Host)}:{server.Endpoint.Property(EndpointProperty.Port)}/"));
        var rabbit = builder.AddLocalServer(resource, port, command).WaitFor(epmd);
        builder.AddConnectionHealthCheck(rabbit, ConnectionProbes.TcpAsync);
        return rabbit;
    }

    private static IResourceBuilder<LocalServerResource> AddLocalServer(
        this IDistributedApplicationBuilder builder, LocalServerResource resource, int port, ProcessCommand command)
    {
        // Not proxied: a proxy accepts TCP even while the server is down, which would defeat the health check.
        var server = builder.AddResource(resource)
            .WithEndpoint(port: port, targetPort: port, scheme: "tcp", name: LocalServerResource.EndpointName, isProxied: false)
            .WithArgs([.. command.Arguments])
            .ExcludeFromManifest();
        foreach (var (key, value) in command.Environment)
        {
            server.WithEnvironment(key, value);
        }

        return server;
    }
}
