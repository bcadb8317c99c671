using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using HealthPlatform.LocalInfrastructure;

namespace HealthPlatform.Testing;

/// <summary>
/// A platform PKI for one test class, made by the same code as the AppHost's development PKI,
/// plus the odd certificates that PKI never issues (expired, without identity, from another CA).
/// Clients trust this CA as their only root.
/// </summary>
public sealed class TestPki : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("hp-pki-").FullName;

    public TestPki(params string[] identities)
    {
        // Create the CA as if a month ago, so that certificates dated in the past (expired ones) can be signed.
        new DevelopmentPki(_root, new ShiftedTime(TimeSpan.FromDays(-30))).EnsureCertificates([]);
        Pki = new DevelopmentPki(_root, TimeProvider.System);
        Pki.EnsureCertificates(identities);
        Authority = X509CertificateLoader.LoadCertificateFromFile(Pki.AuthorityCertificatePath);
    }

    public DevelopmentPki Pki { get; }

    public X509Certificate2 Authority { get; }

    public string DirectoryOf(string identity) => Pki.DirectoryOf(identity);

    public X509Certificate2 Certificate(string identity) =>
        X509Certificate2.CreateFromPemFile(Path.Combine(DirectoryOf(identity), "tls.crt"), Path.Combine(DirectoryOf(identity), "tls.key"));

    /// <summary>A client certificate signed by this CA, with or without a SPIFFE identity, valid in the given window.</summary>
    public X509Certificate2 Issue(string? identity, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var authority = X509Certificate2.CreateFromPemFile(Pki.AuthorityCertificatePath, Path.Combine(_root, "ca", "ca.key"));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={identity ?? "anonymous"}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2"), new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        if (identity is not null)
        {
            names.AddUri(DevelopmentPki.SpiffeId(identity));
        }

        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.Create(authority, notBefore, notAfter, RandomNumberGenerator.GetBytes(8));
        return certificate.CopyWithPrivateKey(key);
    }

    /// <summary>An HttpClient that trusts only this CA and presents <paramref name="clientCertificate"/> if given.</summary>
    public HttpClient CreateClient(X509Certificate2? clientCertificate = null) =>
        new(CreateHandler(clientCertificate)) { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>The handler of <see cref="CreateClient"/>, for callers that set more (cookies, redirects).</summary>
    public SocketsHttpHandler CreateHandler(X509Certificate2? clientCertificate = null)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.CertificateChainPolicy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            CustomTrustStore = { Authority },
        };
        if (clientCertificate is not null)
        {
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate;
        }

        return handler;
    }

    public void Dispose()
    {
        Authority.Dispose();
        Directory.Delete(_root, recursive: true);
    }
}
