using HealthPlatform.LocalInfrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HealthPlatform.AppHost.Extensions;

internal static class DevelopmentPkiExtensions
{
    /// <summary>Where the development CA and certificates are kept (<c>DevelopmentPki:Directory</c>).</summary>
    public const string DirectoryKey = "DevelopmentPki:Directory";

    /// <summary>The identity for administrative calls to internal endpoints.</summary>
    public const string Operator = "operator";

    /// <summary>
    /// DEV ONLY: creates (or renews) the platform CA and a certificate for each workload before
    /// anything starts, and renews them while the AppHost runs; services reload the files
    /// themselves. Outside Development the certificates come from the cluster (cert-manager),
    /// so this refuses to run there.
    /// </summary>
    public static DevelopmentPki AddDevelopmentPki(this IDistributedApplicationBuilder builder, IReadOnlyList<string> workloads)
    {
        if (!builder.Environment.IsDevelopment())
        {
            throw new InvalidOperationException(
                "The development PKI is for Development only; elsewhere give each service Certificates__Directory from the cluster's certificates.");
        }

        var directory = builder.Configuration[DirectoryKey] is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(builder.AppHostDirectory, ".dev", "pki");
        DataDirectory.EnsureOwned(directory);
        var pki = new DevelopmentPki(directory, TimeProvider.System);
        string[] identities = [.. workloads, Operator];

        builder.Eventing.Subscribe<Aspire.Hosting.ApplicationModel.BeforeStartEvent>((_, _) =>
        {
            pki.EnsureCertificates(identities);
            return Task.CompletedTask;
        });
        builder.Services.AddHostedService(services => new DevelopmentPkiRenewal(
            pki, identities, TimeProvider.System, services.GetRequiredService<Microsoft.Extensions.Logging.ILogger<DevelopmentPkiRenewal>>()));
        return pki;
    }
}
