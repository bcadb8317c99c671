using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace HealthPlatform.LocalInfrastructure;

/// <summary>
/// DEV ONLY: a private certificate authority and one short-lived certificate per workload
/// (<c>spiffe://healthplatform/{name}</c> as SAN URI, <c>localhost</c> and 127.0.0.1 as names),
/// laid out as cert-manager lays out a Kubernetes TLS secret: <c>{name}/tls.crt</c>,
/// <c>{name}/tls.key</c>, <c>{name}/ca.crt</c>. The CA and certificates are reused until they
/// near expiry, then reissued; after a CA renewal, <c>ca.crt</c> holds both CAs until the old
/// one expires. Private keys are written owner-only and never leave the folder.
/// </summary>
public sealed class DevelopmentPki(string rootDirectory, TimeProvider time)
{
    public const string TrustDomain = "healthplatform";

    public static readonly TimeSpan CaLifetime = TimeSpan.FromDays(365);
    public static readonly TimeSpan LeafLifetime = TimeSpan.FromDays(7);

    /// <summary>A certificate with less than this left is reissued.</summary>
    public static readonly TimeSpan RenewBefore = TimeSpan.FromDays(2);

    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    public string RootDirectory { get; } = rootDirectory;

    public string AuthorityCertificatePath => Path.Combine(RootDirectory, "ca", "ca.crt");

    private string AuthorityKeyPath => Path.Combine(RootDirectory, "ca", "ca.key");

    public static Uri SpiffeId(string name) => new($"spiffe://{TrustDomain}/{name}");

    /// <summary>The folder holding <c>tls.crt</c>, <c>tls.key</c> and <c>ca.crt</c> for a workload.</summary>
    public string DirectoryOf(string name) => Path.Combine(RootDirectory, name);

    /// <summary>Creates or renews the CA and each workload's certificate; returns the names reissued.</summary>
    public IReadOnlyList<string> EnsureCertificates(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        OwnerOnlyDirectory(RootDirectory);
        OwnerOnlyDirectory(Path.Combine(RootDirectory, "ca"));
        var authorityRenewed = EnsureAuthority();
        using var authority = X509Certificate2.CreateFromPemFile(AuthorityCertificatePath, AuthorityKeyPath);
        var reissued = new List<string>();
        foreach (var name in names)
        {
            if (authorityRenewed || NeedsRenewal(name, authority))
            {
                IssueLeaf(name, authority);
                reissued.Add(name);
            }
        }

        return reissued;
    }

    /// <summary>Issues a certificate for <paramref name="name"/> now, whatever the state of the old one.</summary>
    public void Reissue(string name)
    {
        using var authority = X509Certificate2.CreateFromPemFile(AuthorityCertificatePath, AuthorityKeyPath);
        IssueLeaf(name, authority);
    }

    private string PreviousAuthorityPath => Path.Combine(RootDirectory, "ca", "previous.crt");

    private bool EnsureAuthority()
    {
        if (LoadAuthority() is { } existing)
        {
            using (existing)
            {
                if (existing.NotAfter.ToUniversalTime() - time.GetUtcNow().UtcDateTime > TimeSpan.FromDays(30))
                {
                    return false;
                }

                // Keep trusting the outgoing CA until it expires, so that services still holding a
                // certificate it issued and services already on the new CA accept each other.
                Secrets.WriteAtomically(PreviousAuthorityPath, existing.ExportCertificatePem());
            }
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=HealthPlatform development CA, O={TrustDomain}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = time.GetUtcNow();
        using var authority = request.CreateSelfSigned(now.AddMinutes(-5), now.Add(CaLifetime));
        Secrets.WriteOwnerOnly(AuthorityKeyPath, key.ExportPkcs8PrivateKeyPem());
        Secrets.WriteAtomically(AuthorityCertificatePath, authority.ExportCertificatePem());
        return true;
    }

    /// <summary>The CA with its key, or null when there is none or the pair does not match (an interrupted renewal).</summary>
    private X509Certificate2? LoadAuthority()
    {
        if (!File.Exists(AuthorityCertificatePath) || !File.Exists(AuthorityKeyPath))
        {
            return null;
        }

        try
        {
            return X509Certificate2.CreateFromPemFile(AuthorityCertificatePath, AuthorityKeyPath);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            return null;
        }
    }

    /// <summary>The CAs a workload trusts: the current one, and the previous one while it is still valid.</summary>
    private string TrustBundlePem(X509Certificate2 authority)
    {
        var bundle = authority.ExportCertificatePem();
        if (File.Exists(PreviousAuthorityPath))
        {
            using var previous = X509CertificateLoader.LoadCertificateFromFile(PreviousAuthorityPath);
            if (previous.NotAfter.ToUniversalTime() > time.GetUtcNow().UtcDateTime)
            {
                bundle += "\n" + previous.ExportCertificatePem();
            }
        }

        return bundle;
    }

    private bool NeedsRenewal(string name, X509Certificate2 authority)
    {
        var certificatePath = Path.Combine(DirectoryOf(name), "tls.crt");
        if (!File.Exists(certificatePath) || !File.Exists(Path.Combine(DirectoryOf(name), "tls.key")))
        {
            return true;
        }

        using var existing = X509CertificateLoader.LoadCertificateFromFile(certificatePath);
        return existing.NotAfter.ToUniversalTime() - time.GetUtcNow().UtcDateTime < RenewBefore
            || !IsIssuedBy(existing, authority);
    }

    /// <summary>Every CA generation has the same name: check the signature by building the chain to this CA.</summary>
    private bool IsIssuedBy(X509Certificate2 certificate, X509Certificate2 authority)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = time.GetUtcNow().UtcDateTime;
        return chain.Build(certificate);
    }

    private void IssueLeaf(string name, X509Certificate2 authority)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}, O={TrustDomain}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ServerAuth, ClientAuth], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        request.CertificateExtensions.Add(SubjectAlternativeNames(name));

        var now = time.GetUtcNow();
        var notAfter = now.Add(LeafLifetime) < authority.NotAfter ? now.Add(LeafLifetime) : new DateTimeOffset(authority.NotAfter.ToUniversalTime());
        using var leaf = request.Create(authority, now.AddMinutes(-5), notAfter, RandomNumberGenerator.GetBytes(16));

        var directory = OwnerOnlyDirectory(DirectoryOf(name));
        // Each file is replaced whole (write, then rename). A service that reads the folder between
        // two files sees a key that does not match its certificate; it keeps the certificate it
        // has and reads again at its next check.
        Secrets.WriteAtomically(Path.Combine(directory, "ca.crt"), TrustBundlePem(authority));
        Secrets.WriteOwnerOnly(Path.Combine(directory, "tls.key"), key.ExportPkcs8PrivateKeyPem());
        Secrets.WriteAtomically(Path.Combine(directory, "tls.crt"), leaf.ExportCertificatePem());
    }

    private static string OwnerOnlyDirectory(string path)
    {
        var directory = Directory.CreateDirectory(path).FullName;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return directory;
    }

    /// <summary>SAN: the SPIFFE URI (the identity), plus localhost names for TLS host checks.</summary>
    private static X509Extension SubjectAlternativeNames(string name)
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddUri(SpiffeId(name));
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        return names.Build();
    }
}
