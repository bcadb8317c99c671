using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HealthPlatform.ServiceDefaults.Security;

/// <summary>
/// Polls the certificate folder. Polling (not file-system events) is what survives how
/// Kubernetes updates a mounted secret: it swaps a symbolic link to a new folder at once.
/// </summary>
internal sealed partial class CertificateReloader(
    PlatformCertificates certificates,
    IOptions<PlatformCertificateOptions> options,
    TimeProvider time,
    ILogger<CertificateReloader> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ReloadInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                if (certificates.ReloadIfChanged())
                {
                    var certificate = certificates.Current.Certificate;
                    LogReloaded(logger, certificate.Thumbprint, certificate.NotAfter);
                }
            }
            catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException)
            {
                // Half-written files during a rotation: keep serving the current certificate and look again.
                LogReloadFailed(logger, ex.GetType().Name);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Service certificate reloaded: thumbprint {Thumbprint}, valid until {NotAfter:u}")]
    private static partial void LogReloaded(ILogger logger, string thumbprint, DateTime notAfter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Service certificate could not be reloaded yet ({Error}); keeping the current one")]
    private static partial void LogReloadFailed(ILogger logger, string error);
}
