using System.Globalization;
using HealthPlatform.LocalInfrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace HealthPlatform.Testing;

/// <summary>A service built the way every platform service is, with its platform certificate, on real loopback ports.</summary>
public sealed class ServiceHost(TestPki pki, string identity)
{
    public int PublicPort { get; } = FreePort.Next();

    public int InternalPort { get; } = FreePort.Next();

    public int ManagementPort { get; } = FreePort.Next();

    /// <summary>A port for the mTLS listener; opened only when the settings name it (<c>Endpoints:MtlsPort</c>).</summary>
    public int MtlsPort { get; } = FreePort.Next();

    public Uri Public => new(string.Create(CultureInfo.InvariantCulture, $"https://127.0.0.1:{PublicPort}"));

    public Uri Internal => new(string.Create(CultureInfo.InvariantCulture, $"https://127.0.0.1:{InternalPort}"));

    public Uri Management => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{ManagementPort}"));

    public Uri Mtls => new(string.Create(CultureInfo.InvariantCulture, $"https://127.0.0.1:{MtlsPort}"));

    /// <summary>The status of one readiness check, as the management listener reports it.</summary>
    public async Task<string> HealthOfAsync(string check)
    {
        using var client = new HttpClient();
        using var response = await client.GetAsync(new Uri(Management, "/health"));
        using var report = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return report.RootElement.GetProperty("checks").GetProperty(check).GetProperty("status").GetString()!;
    }

    /// <summary>Waits (bounded) until every readiness check passes; on timeout, fails with the last health report.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan? timeout = null)
    {
        using var client = new HttpClient();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (true)
        {
            using var response = await client.GetAsync(new Uri(Management, "/health"));
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{identity} did not become ready: {await response.Content.ReadAsStringAsync()}");
            }

            await Task.Delay(100);
        }
    }

    public WebApplicationBuilder CreateBuilder(IDictionary<string, string?>? settings = null, string environmentName = "Production")
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = environmentName });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Endpoints:PublicPort"] = PublicPort.ToString(CultureInfo.InvariantCulture),
            ["Endpoints:InternalPort"] = InternalPort.ToString(CultureInfo.InvariantCulture),
            ["Endpoints:ManagementPort"] = ManagementPort.ToString(CultureInfo.InvariantCulture),
            ["Certificates:Directory"] = pki.DirectoryOf(identity),
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.AddServiceDefaults();
        return builder;
    }
}
