using System.Security.Cryptography.X509Certificates;
using HealthPlatform.LocalInfrastructure;
using HealthPlatform.ServiceDefaults.Security;
using HealthPlatform.Testing;

namespace HealthPlatform.ServiceDefaults.Tests.Security;

/// <summary>The development PKI: reuse, renewal before expiry, a new CA reissuing everything, owner-only keys.</summary>
public sealed class DevelopmentPkiTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("hp-devpki-").FullName;

    [Fact]
    public void EnsureCertificates_WhenStillFresh_ReusesThem()
    {
        var pki = new DevelopmentPki(_root, TimeProvider.System);
        pki.EnsureCertificates(["records"]);
        var first = Thumbprint("records");

        var reissued = pki.EnsureCertificates(["records"]);

        Assert.Empty(reissued);
        Assert.Equal(first, Thumbprint("records"));
    }

    [Fact]
    public void EnsureCertificates_NearExpiry_ReissuesUnderTheSameCa()
    {
        new DevelopmentPki(_root, TimeProvider.System).EnsureCertificates(["records"]);
        var first = Thumbprint("records");
        var authority = Thumbprint("ca", "ca.crt");

        var reissued = new DevelopmentPki(_root, new ShiftedTime(TimeSpan.FromDays(6))).EnsureCertificates(["records"]);

        Assert.Equal(["records"], reissued);
        Assert.NotEqual(first, Thumbprint("records"));
        Assert.Equal(authority, Thumbprint("ca", "ca.crt"));
    }

    [Fact]
    public void EnsureCertificates_WhenTheCaNearsExpiry_RenewsItAndReissuesEveryCertificate()
    {
        new DevelopmentPki(_root, TimeProvider.System).EnsureCertificates(["records", "audit"]);
        var authority = Thumbprint("ca", "ca.crt");

        var later = new ShiftedTime(TimeSpan.FromDays(340));
        var reissued = new DevelopmentPki(_root, later).EnsureCertificates(["records", "audit"]);

        Assert.Equal(["records", "audit"], reissued);
        Assert.NotEqual(authority, Thumbprint("ca", "ca.crt"));
        using var newAuthority = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(_root, "ca", "ca.crt"));
        using var leaf = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(_root, "records", "tls.crt"));
        Assert.Equal(newAuthority.Subject, leaf.Issuer);

        // Until the old CA expires, workloads trust both: a certificate from before the rollover is still accepted.
        var bundle = new X509Certificate2Collection();
        bundle.ImportFromPemFile(Path.Combine(_root, "records", "ca.crt"));
        Assert.Equal([Thumbprint("ca", "ca.crt"), authority], bundle.Select(c => c.Thumbprint));
    }

    [Fact]
    public void EnsureCertificates_AfterAnInterruptedCaRenewal_StartsANewCa()
    {
        new DevelopmentPki(_root, TimeProvider.System).EnsureCertificates(["records"]);
        // A crash between writing the CA key and its certificate leaves a pair that does not match.
        using (var other = System.Security.Cryptography.ECDsa.Create())
        {
            File.WriteAllText(Path.Combine(_root, "ca", "ca.key"), other.ExportPkcs8PrivateKeyPem());
        }

        var reissued = new DevelopmentPki(_root, TimeProvider.System).EnsureCertificates(["records"]);

        Assert.Equal(["records"], reissued);
        using var authority = X509Certificate2.CreateFromPemFile(Path.Combine(_root, "ca", "ca.crt"), Path.Combine(_root, "ca", "ca.key"));
        Assert.True(authority.HasPrivateKey);
    }

    [Fact]
    public void IssuedCertificate_NamesItsWorkload_AndItsKeyIsOwnerOnly()
    {
        new DevelopmentPki(_root, TimeProvider.System).EnsureCertificates(["key-management"]);

        using var certificate = X509Certificate2.CreateFromPemFile(Path.Combine(_root, "key-management", "tls.crt"), Path.Combine(_root, "key-management", "tls.key"));
        Assert.Equal("key-management", ServiceIdentity.FromCertificate(certificate));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_root, "key-management", "tls.key")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_root, "ca", "ca.key")));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Thumbprint(string folder, string file = "tls.crt")
    {
        using var certificate = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(_root, folder, file));
        return certificate.Thumbprint;
    }
}
