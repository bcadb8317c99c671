using System.Net.Http.Json;
using HealthPlatform.ServiceDefaults.Security;

namespace HealthPlatform.AppHost.Tests.Platform;

/// <summary>The running platform's internal endpoints, reached through the AppHost's proxies with real handshakes.</summary>
[Collection(PlatformGroup.Name)]
public sealed class MutualTlsTests(PlatformFixture fixture) : IDisposable
{
    private readonly PlatformClient _clients = new(fixture.Platform);

    [Fact]
    public async Task Internal_OfEveryService_IdentifiesTheOperatorByItsCertificate()
    {
        using var operatorCertificate = _clients.Certificate("operator");
        using var client = _clients.Create(operatorCertificate);

        foreach (var service in PlatformApp.Services)
        {
            var caller = await client.GetFromJsonAsync<CallerIdentity>(new Uri(fixture.Platform.InternalEndpoint(service), WhoAmIEndpoints.Path));

            Assert.Equal(new CallerIdentity("operator", operatorCertificate.Thumbprint), caller);
        }
    }

    [Fact]
    public async Task Internal_WithoutClientCertificate_IsRefusedByEveryService()
    {
        using var client = _clients.Create(clientCertificate: null);

        foreach (var service in PlatformApp.Services)
        {
            await Assert.ThrowsAsync<HttpRequestException>(
                () => client.GetAsync(new Uri(fixture.Platform.InternalEndpoint(service), WhoAmIEndpoints.Path)));
        }
    }

    public void Dispose() => _clients.Dispose();
}
