using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using HealthPlatform.AppHost.Infrastructure;
using HealthPlatform.AppHost.Tests.Platform;
using HealthPlatform.ServiceDefaults;

namespace HealthPlatform.AppHost.Tests.Model;

/// <summary>
/// The containers mode cannot run on machines without a container engine, so its application
/// model is checked without starting it: the same services, with the same references and waits
/// as the local mode, on container resources instead of local processes.
/// </summary>
public sealed class AppModelTests : IAsyncLifetime
{
    // Building the local-mode model prepares the servers' folders; keep them out of the way.
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("healthplatform-model-").FullName;
    private readonly List<IDistributedApplicationTestingBuilder> _builders = [];

    [Fact]
    public async Task ContainersMode_HoldsContainerInfrastructure()
    {
        var builder = await CreateBuilderAsync("Containers");

        Assert.IsType<PostgresServerResource>(Resource(builder, ResourceNames.Postgres));
        Assert.IsType<RedisResource>(Resource(builder, ResourceNames.Redis));
        Assert.IsType<RabbitMQServerResource>(Resource(builder, ResourceNames.Messaging));
        Assert.DoesNotContain(builder.Resources, r => r is LocalServerResource);
    }

    [Fact]
    public async Task LocalMode_HoldsLocalProcessesForInfrastructure()
    {
        var builder = await CreateBuilderAsync("Local");

        foreach (var name in PlatformApp.Infrastructure)
        {
            var resource = Resource(builder, name);
            Assert.IsAssignableFrom<ExecutableResource>(resource);
            Assert.IsAssignableFrom<IResourceWithConnectionString>(resource);
            Assert.NotEmpty(resource.Annotations.OfType<HealthCheckAnnotation>());
        }

        Assert.DoesNotContain(builder.Resources, r => r is ContainerResource);
    }

    [Fact]
    public async Task BothModes_GiveEveryServiceTheSameReferencesAndWaits()
    {
        var local = await CreateBuilderAsync("Local");
        var containers = await CreateBuilderAsync("Containers");

        foreach (var service in PlatformApp.Services)
        {
            var expected = Dependencies(local, service);
            Assert.Equal(expected, Dependencies(containers, service));
            Assert.Contains(ResourceNames.Redis, expected.Waits);
            Assert.Contains(ResourceNames.Messaging, expected.Waits);
            // Waiting for a database also waits for its server; other services are called, not waited for.
            Assert.Equal(expected.References.Except(PlatformApp.Services).Append(ResourceNames.Postgres).Order(), expected.Waits);
        }
    }

    [Fact]
    public async Task EachService_ReferencesOnlyItsOwnDatabase()
    {
        var builder = await CreateBuilderAsync("Local");
        string[] databases =
        [
            ResourceNames.IdentityDatabase, ResourceNames.RecordsDatabase, ResourceNames.ConsentDatabase,
            ResourceNames.KeyManagementDatabase, ResourceNames.AuditDatabase,
        ];

        foreach (var service in PlatformApp.Services)
        {
            var referenced = Dependencies(builder, service).References.Intersect(databases).ToList();
            Assert.Single(referenced);
        }
    }

    [Fact]
    public async Task KeyManagement_HasNoPublicEndpoint()
    {
        var builder = await CreateBuilderAsync("Local");

        var endpoints = Resource(builder, ResourceNames.KeyManagement).Annotations.OfType<EndpointAnnotation>().Select(e => e.Name).ToList();
        Assert.Equal([ResourceNames.Endpoints.Internal, ResourceNames.Endpoints.Management], endpoints.Order().ToList());
        var records = Resource(builder, ResourceNames.Records).Annotations.OfType<EndpointAnnotation>().Select(e => e.Name).ToList();
        Assert.Contains(ResourceNames.Endpoints.Public, records);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>
    /// Ends each model without running it. Disposing only the builder would let the AppHost's
    /// entry point go on to start the application; building it and disposing the application
    /// unstarted stops it there.
    /// </summary>
    public async Task DisposeAsync()
    {
        foreach (var builder in _builders)
        {
            await using (await builder.BuildAsync())
            {
            }

            await builder.DisposeAsync();
        }

        Directory.Delete(_dataDirectory, recursive: true);
    }

    private async Task<IDistributedApplicationTestingBuilder> CreateBuilderAsync(string mode)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.HealthPlatform_AppHost>(
            [$"--Platform:RunMode={mode}", $"--LocalInfrastructure:DataDirectory={_dataDirectory}", $"--DevelopmentPki:Directory={_dataDirectory}/pki"],
            (options, _) => options.DisableDashboard = true,
            CancellationToken.None);
        _builders.Add(builder);
        return builder;
    }

    private static IResource Resource(IDistributedApplicationTestingBuilder builder, string name) =>
        Assert.Single(builder.Resources, r => r.Name == name);

    private static ServiceDependencies Dependencies(IDistributedApplicationTestingBuilder builder, string service)
    {
        var resource = Resource(builder, service);
        return new ServiceDependencies(
            [.. resource.Annotations.OfType<WaitAnnotation>().Select(w => w.Resource.Name).Order()],
            [.. resource.Annotations.OfType<ResourceRelationshipAnnotation>().Where(r => r.Type == "Reference").Select(r => r.Resource.Name).Distinct().Order()]);
    }

    private sealed record ServiceDependencies(IReadOnlyList<string> Waits, IReadOnlyList<string> References)
    {
        public bool Equals(ServiceDependencies? other) =>
            other is not null && Waits.SequenceEqual(other.Waits) && References.SequenceEqual(other.References);

        public override int GetHashCode() => HashCode.Combine(Waits.Count, References.Count);

        public override string ToString() => $"waits [{string.Join(", ", Waits)}], references [{string.Join(", ", References)}]";
    }
}
