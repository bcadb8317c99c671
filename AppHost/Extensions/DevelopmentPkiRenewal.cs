using System.Security.Cryptography;
using HealthPlatform.LocalInfrastructure;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HealthPlatform.AppHost.Extensions;

/// <summary>DEV ONLY: reissues development certificates that near expiry while the AppHost runs.</summary>
internal sealed partial class DevelopmentPkiRenewal(DevelopmentPki pki, IReadOnlyList<string> identities, TimeProvider time, ILogger<DevelopmentPkiRenewal> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                pki.EnsureCertificates(identities);
            }
            catch (Exception ex) when (ex is IOException or CryptographicException or UnauthorizedAccessException)
            {
                // Try again at the next tick; the current certificates stay valid for days.
                LogRenewalFailed(logger, ex.GetType().Name, ex.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Development certificates could not be renewed ({Error}: {Reason}); retrying in an hour")]
    private static partial void LogRenewalFailed(ILogger logger, string error, string reason);
}
