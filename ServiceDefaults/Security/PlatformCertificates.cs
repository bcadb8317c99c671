using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Options;

namespace HealthPlatform.ServiceDefaults.Security;

/// <summary>
/// The service's current certificate and the platform CA, read from the certificate folder and
/// swapped in place when the files change (see <see cref="CertificateReloader"/>), so that TLS
/// handshakes and outgoing calls pick up a rotated certificate without a restart. Each load
/// reads the three files once and builds everything from those bytes; a set that does not fit
/// together (a key from one rotation, a certificate from another) is refused, and the current
/// certificate stays in use.
/// </summary>
/// <remarks>
/// Note: a replaced certificate is not disposed, since handshakes in flight may still use it; one
/// small object is left to the garbage collector per rotation.
/// </remarks>
public sealed class PlatformCertificates
{
    private readonly string _directory;
    private volatile CertificateMaterial _current;

    public PlatformCertificates(IOptions<PlatformCertificateOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _directory = options.Value.Directory!;
        _current = Load(ReadFiles());
    }

    public CertificateMaterial Current => _current;

    /// <summary>Reloads when any of the files changed; true when a new, consistent set was loaded.</summary>
    /// <exception cref="CryptographicException">The files do not (yet) form a consistent set.</exception>
    public bool ReloadIfChanged()
    {
        var files = ReadFiles();
        if (files.Stamp == _current.Stamp)
        {
            return false;
        }

        _current = Load(files);
        return true;
    }

    private static CertificateMaterial Load(CertificateFiles files)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(files.Certificate, files.Key);
        }
        catch (ArgumentException ex)
        {
            throw new CryptographicException("tls.crt and tls.key do not belong together.", ex);
        }

        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPem(files.Authorities);
        if (authorities.Count == 0)
        {
            throw new CryptographicException("ca.crt holds no certificate.");
        }

        return new CertificateMaterial(certificate, authorities, files.Stamp);
    }

    private CertificateFiles ReadFiles()
    {
        var certificate = File.ReadAllText(Path.Combine(_directory, "tls.crt"));
        var key = File.ReadAllText(Path.Combine(_directory, "tls.key"));
        var authorities = File.ReadAllText(Path.Combine(_directory, "ca.crt"));
        var stamp = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(certificate + "\n" + key + "\n" + authorities)));
        return new CertificateFiles(certificate, key, authorities, stamp);
    }

    private sealed record CertificateFiles(string Certificate, string Key, string Authorities, string Stamp);
}
