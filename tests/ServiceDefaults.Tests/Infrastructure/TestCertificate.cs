using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace HealthPlatform.ServiceDefaults.Tests.Infrastructure;

/// <summary>
/// A self-signed server certificate for 127.0.0.1/localhost, written as PEM files for Kestrel's
/// <c>Kestrel:Certificates:Default</c> settings. Clients trust exactly this certificate.
/// </summary>
public sealed class TestCertificate : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("hp-cert-").FullName;

    public TestCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));

        Certificate = X509CertificateLoader.LoadCertificate(certificate.Export(X509ContentType.Cert));
        CertificatePath = Path.Combine(_folder, "tls.crt");
        KeyPath = Path.Combine(_folder, "tls.key");
        File.WriteAllText(CertificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(KeyPath, key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>The public certificate only (no private key).</summary>
    public X509Certificate2 Certificate { get; }

    public string CertificatePath { get; }

    public string KeyPath { get; }

    /// <summary>An HttpClient that trusts this certificate as its only root, and nothing else.</summary>
    public HttpClient CreateClient()
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.CertificateChainPolicy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            CustomTrustStore = { Certificate },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
    }

    public void Dispose()
    {
        Certificate.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
