using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using HealthPlatform.ServiceDefaults.Security;

namespace HealthPlatform.AppHost.Tests.Platform;

/// <summary>The running platform's internal endpoints, reached through the AppHost's proxies with real handshakes.</summary>
[Collection(PlatformGroup.Name)]
public sealed class MutualTlsTests(PlatformFixture fixture) : IDisposable
{
    private readonly X509Certificate2 _authority =
        X509CertificateLoader.LoadCertificateFromFile(Path.Combine(fixture.Platform.PkiDirectory, "ca", "ca.crt"));

    [Fact]
    public async Task Internal_OfEveryService_IdentifiesTheOperatorByItsCertificate()
    {
        using var operatorCertificate = Certificate("operator");
        using var client = CreateClient(operatorCertificate);

        foreach (var service in PlatformApp.Services)
        {
            var caller = await client.GetFromJsonAsync<CallerIdentity>(new Uri(fixture.Platform.InternalEndpoint(service), WhoAmIEndpoints.Path));

            Assert.Equal(new CallerIdentity("operator", operatorCertificate.Thumbprint), caller);
        }
    }

    [Fact]
    public async Task Internal_WithoutClientCertificate_IsRefusedByEveryService()
    {
        using var client = CreateClient(clientCertificate: null);

        foreach (var service in PlatformApp.Services)
        {
            await Assert.ThrowsAsync<HttpRequestException>(
                () => client.GetAsync(new Uri(fixture.Platform.InternalEndpoint(service), WhoAmIEndpoints.Path)));
        }
    }

    public void Dispose() => _authority.Dispose();

    private X509Certificate2 Certificate(string identity)
    {
        var folder = Path.Combine(fixture.Platform.PkiDirectory, identity);
        return X509Certificate2.CreateFromPemFile(Path.Combine(folder, "tls.crt"), Path.Combine(folder, "tls.key"));
    }

    /// <summary>Trusts the platform CA only; presents the client certificate when given.</summary>
    private HttpClient CreateClient(X509Certificate2? clientCertificate)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.CertificateChainPolicy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            CustomTrustStore = { _authority },
        };
        if (clientCertificate is not null)
        {
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate;
        }

        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
    }
}
