using System.Security.Cryptography.X509Certificates;

namespace HealthPlatform.AppHost.Tests.Platform;

/// <summary>HTTP clients for the running platform that trust its development CA only.</summary>
public sealed class PlatformClient(PlatformApp platform) : IDisposable
{
    private readonly X509Certificate2 _authority =
        X509CertificateLoader.LoadCertificateFromFile(Path.Combine(platform.PkiDirectory, "ca", "ca.crt"));

    /// <summary>A certificate the development PKI issued (a service's or the operator's).</summary>
    public X509Certificate2 Certificate(string identity)
    {
        var folder = Path.Combine(platform.PkiDirectory, identity);
        return X509Certificate2.CreateFromPemFile(Path.Combine(folder, "tls.crt"), Path.Combine(folder, "tls.key"));
    }

    /// <summary>A client that trusts the platform CA only; presents the client certificate when given.</summary>
    public HttpClient Create(X509Certificate2? clientCertificate = null) => new(CreateHandler(clientCertificate)) { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>A handler that trusts the platform CA only and presents the client certificate when given.</summary>
    public SocketsHttpHandler CreateHandler(X509Certificate2? clientCertificate = null)
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

        return handler;
    }

    public void Dispose() => _authority.Dispose();
}
