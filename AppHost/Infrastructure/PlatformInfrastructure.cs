using Aspire.Hosting.ApplicationModel;
using HealthPlatform.AppHost.RunModes;

namespace HealthPlatform.AppHost.Infrastructure;

/// <summary>The shared servers of one run, whichever mode provides them.</summary>
public sealed record PlatformInfrastructure(
    RunMode Mode,
    IResourceBuilder<IResourceWithConnectionString> Postgres,
    EndpointReference PostgresEndpoint,
    IResourceBuilder<IResourceWithConnectionString> Redis,
    IResourceBuilder<IResourceWithConnectionString> Messaging);
