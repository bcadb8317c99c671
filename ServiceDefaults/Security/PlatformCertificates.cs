using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace HealthPlatform.ServiceDefaults.Security;

/// <summary>
/// The service's current certificate and the platform CA, read from the certificate folder and
/// swapped in place when the files change (see <see cref="CertificateReloader"/>), so that TLS
/// handshakes and outgoing calls pick up a rotated certificate without a restart.
/// </summary>
public sealed class PlatformCertificates
{
    private static readonly string[] WatchedFiles = ["tls.crt", "ca.crt"];
    private readonly string _directory;
    private volatile CertificateMaterial _current;

    public PlatformCertificates(IOptions<PlatformCertificateOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _directory = options.Value.Directory!;
        _current = Load();
    }

    public CertificateMaterial Current => _current;

    /// <summary>Reloads when <c>tls.crt</c> or <c>ca.crt</c> changed; true when something new was loaded.</summary>
    public bool ReloadIfChanged()
    {
        var stamp = Stamp();
        if (stamp == _current.Stamp)
        {
            return false;
        }

        _current = Load();
        return true;
    }

    private CertificateMaterial Load()
    {
        var stamp = Stamp();
        var certificate = X509Certificate2.CreateFromPemFile(Path.Combine(_directory, "tls.crt"), Path.Combine(_directory, "tls.key"));
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(Path.Combine(_directory, "ca.crt"));
        return new CertificateMaterial(certificate, authorities, stamp);
    }

    private string Stamp() =>
        string.Join('|', WatchedFiles.Select(file => File.ReadAllText(Path.Combine(_directory, file)).GetHashCode(StringComparison.Ordinal)));
}
