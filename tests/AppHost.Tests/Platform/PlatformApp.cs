using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using HealthPlatform.ServiceDefaults;

namespace HealthPlatform.AppHost.Tests.Platform;

/// <summary>
/// The whole platform started through the AppHost in local mode, on randomised ports, with its
/// servers' data in a fresh temporary folder and telemetry sent to an in-test OTLP receiver.
/// </summary>
public sealed class PlatformApp : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);

    public static readonly string[] Services =
        [ResourceNames.Identity, ResourceNames.Records, ResourceNames.Consent, ResourceNames.KeyManagement, ResourceNames.Audit];

    public static readonly string[] Infrastructure = [ResourceNames.Postgres, ResourceNames.Redis, ResourceNames.Messaging];

    private const string PkiFolder = "pki";

    private PlatformApp(DistributedApplication app, string dataDirectory)
    {
        App = app;
        DataDirectory = dataDirectory;
    }

    public DistributedApplication App { get; }

    /// <summary>Where this run's Postgres, Redis and RabbitMQ keep their files.</summary>
    public string DataDirectory { get; }

    public ResourceNotificationService Notifications => App.Services.GetRequiredService<ResourceNotificationService>();

    public static async Task<PlatformApp> StartAsync(Uri? otlpEndpoint, CancellationToken cancellationToken)
    {
        // The temp folder is created owner-only; open it for traversal so that the postgres user
        // can reach its data directory when the tests run as root.
        var dataDirectory = Directory.CreateTempSubdirectory("healthplatform-test-").FullName;
        File.SetUnixFileMode(dataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.HealthPlatform_AppHost>(
            [
                "--Platform:RunMode=Local",
                $"--LocalInfrastructure:DataDirectory={dataDirectory}",
                $"--DevelopmentPki:Directory={Path.Combine(dataDirectory, PkiFolder)}",
                "--DcpPublisher:RandomizePorts=true",
            ],
            (options, _) => options.DisableDashboard = true,
            cancellationToken);

        if (otlpEndpoint is not null)
        {
            foreach (var project in builder.Resources.OfType<ProjectResource>())
            {
                builder.CreateResourceBuilder(project)
                    .WithEnvironment("OTEL_EXPORTER_OTLP_ENDPOINT", otlpEndpoint.ToString().TrimEnd('/'))
                    .WithEnvironment("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
                    .WithEnvironment("OTEL_BSP_SCHEDULE_DELAY", "200");
            }
        }

        var platform = new PlatformApp(await builder.BuildAsync(cancellationToken), dataDirectory);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(StartTimeout);
            await platform.App.StartAsync(timeout.Token);
            foreach (var name in Infrastructure.Concat(Services))
            {
                await platform.Notifications.WaitForResourceHealthyAsync(name, timeout.Token);
            }

            return platform;
        }
        catch
        {
            // A platform that did not come up is still stopped and its folder removed.
            await platform.DisposeAsync();
            throw;
        }
    }

    /// <summary>The development PKI of this run (CA, and a certificate per service and for the operator).</summary>
    public string PkiDirectory => Path.Combine(DataDirectory, PkiFolder);

    /// <summary>The internal (mTLS) address of a service on this run's randomised ports.</summary>
    public Uri InternalEndpoint(string service) => App.GetEndpoint(service, ResourceNames.Endpoints.Internal);

    /// <summary>The management (health) address of a service on this run's randomised ports.</summary>
    public Uri ManagementEndpoint(string service) => App.GetEndpoint(service, ResourceNames.Endpoints.Management);

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(2));
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A server may still be flushing; the folder is under the temp directory either way.
        }
    }
}
