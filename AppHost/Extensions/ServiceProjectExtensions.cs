using Aspire.Hosting.ApplicationModel;
using HealthPlatform.AppHost.Infrastructure;
using HealthPlatform.LocalInfrastructure;
using HealthPlatform.ServiceDefaults;

namespace HealthPlatform.AppHost.Extensions;

/// <summary>The fixed development ports of one service (README table); null where it has no such listener.</summary>
internal sealed record ServicePorts(int? Public, int Internal, int Management);

internal static class ServiceProjectExtensions
{
    /// <summary>
    /// Adds one platform service with its listeners, running in the AppHost's environment
    /// (Development when run locally, so development-only features and seeds apply there only).
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddPlatformService<TProject>(this IDistributedApplicationBuilder builder, string name, ServicePorts ports, DevelopmentPki pki)
        where TProject : IProjectMetadata, new() =>
        builder.AddProject<TProject>(name)
            .WithEnvironment("ASPNETCORE_ENVIRONMENT", builder.Environment.EnvironmentName)
            .WithEnvironment("Certificates__Directory", pki.DirectoryOf(name))
            .WithPlatformEndpoints(ports);

    /// <summary>
    /// Gives a service its listeners: public HTTPS (absent for key-management), internal HTTPS
    /// and management HTTP, each passed to Kestrel by port (<c>Endpoints__*Port</c>), with
    /// readiness probed on the management listener. Aspire proxies the fixed ports, so tests
    /// can randomise them without changing the services.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithPlatformEndpoints(this IResourceBuilder<ProjectResource> service, ServicePorts ports)
    {
        if (ports.Public is { } publicPort)
        {
            service.WithHttpsEndpoint(port: publicPort, name: ResourceNames.Endpoints.Public, env: "Endpoints__PublicPort");
        }

        return service
            .WithHttpsEndpoint(port: ports.Internal, name: ResourceNames.Endpoints.Internal, env: "Endpoints__InternalPort")
            .WithHttpEndpoint(port: ports.Management, name: ResourceNames.Endpoints.Management, env: "Endpoints__ManagementPort")
            // The service opens its own listeners from the ports above; ASPNETCORE_URLS would be ignored.
            .WithEndpointsInEnvironment(_ => false)
            .WithHttpHealthCheck("/health", endpointName: ResourceNames.Endpoints.Management);
    }

    /// <summary>Each dependency is a reference (its connection string) and a wait (healthy before start).</summary>
    public static IResourceBuilder<ProjectResource> WithInfrastructure(
        this IResourceBuilder<ProjectResource> service,
        IResourceBuilder<ServiceDatabaseResource> database,
        PlatformInfrastructure infrastructure)
    {
        service
            .WithReference(database).WaitFor(database)
            .WithReference(infrastructure.Redis).WaitFor(infrastructure.Redis)
            .WithReference(infrastructure.Messaging).WaitFor(infrastructure.Messaging);

        // A service that runs as a weaker role migrates as the owner (Development: the same process).
        return infrastructure.OwnerOf(database) is { } owner
            ? service.WithReference(owner).WaitFor(owner)
            : service;
    }
}
