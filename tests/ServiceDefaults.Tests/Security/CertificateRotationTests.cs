using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using HealthPlatform.Testing;
using Microsoft.AspNetCore.Builder;

namespace HealthPlatform.ServiceDefaults.Tests.Security;

/// <summary>Replacing the certificate files switches the served certificate, with no restart.</summary>
public sealed class CertificateRotationTests : IAsyncLifetime, IDisposable
{
    private readonly TestPki _pki = new("consent");
    private readonly ServiceHost _consent;
    private WebApplication? _app;

    public CertificateRotationTests() => _consent = new ServiceHost(_pki, "consent");

    public async Task InitializeAsync()
    {
        _app = _consent.CreateBuilder(new Dictionary<string, string?> { ["Certificates:ReloadInterval"] = "00:00:00.200" }).Build();
        _app.MapDefaultEndpoints();
        await _app.StartAsync();
    }

    [Fact]
    public async Task ReplacedCertificateFiles_AreServedOnNewConnections()
    {
        var before = await ServedThumbprintAsync();

        _pki.Pki.Reissue("consent");
        using var reissued = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(_pki.DirectoryOf("consent"), "tls.crt"));

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var after = before;
        while (after != reissued.Thumbprint)
        {
            await Task.Delay(100, deadline.Token);
            after = await ServedThumbprintAsync();
        }

        Assert.NotEqual(before, after);
        Assert.Equal(reissued.Thumbprint, after);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    public void Dispose() => _pki.Dispose();

    /// <summary>Opens a new TLS connection and reports the certificate the server presented (validated against the CA).</summary>
    private async Task<string> ServedThumbprintAsync()
    {
        string? served = null;
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.CertificateChainPolicy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            CustomTrustStore = { _pki.Authority },
        };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            served = (certificate as X509Certificate2)?.Thumbprint;
            return errors == SslPolicyErrors.None;
        };
        using var client = new HttpClient(handler);
        using var response = await client.GetAsync(new Uri(_consent.Public, "/nothing-here"));
        return served ?? throw new InvalidOperationException("No certificate was presented.");
    }
}
