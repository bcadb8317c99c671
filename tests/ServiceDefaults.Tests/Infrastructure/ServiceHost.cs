using HealthPlatform.LocalInfrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace HealthPlatform.ServiceDefaults.Tests.Infrastructure;

/// <summary>A service built the way every platform service is, listening on real loopback ports.</summary>
public sealed class ServiceHost(TestCertificate certificate)
{
    public int PublicPort { get; } = FreePort.Next();

    public int InternalPort { get; } = FreePort.Next();

    public int ManagementPort { get; } = FreePort.Next();

    public Uri Public => new($"https://127.0.0.1:{PublicPort}");

    public Uri Internal => new($"https://127.0.0.1:{InternalPort}");

    public Uri Management => new($"http://127.0.0.1:{ManagementPort}");

    public WebApplicationBuilder CreateBuilder(IDictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Endpoints:PublicPort"] = PublicPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Endpoints:InternalPort"] = InternalPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Endpoints:ManagementPort"] = ManagementPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Kestrel:Certificates:Default:Path"] = certificate.CertificatePath,
            ["Kestrel:Certificates:Default:KeyPath"] = certificate.KeyPath,
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.AddServiceDefaults();
        return builder;
    }
}
