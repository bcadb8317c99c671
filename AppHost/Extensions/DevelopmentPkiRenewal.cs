using HealthPlatform.LocalInfrastructure;
using Microsoft.Extensions.Hosting;

namespace HealthPlatform.AppHost.Extensions;

/// <summary>DEV ONLY: reissues development certificates that near expiry while the AppHost runs.</summary>
internal sealed class DevelopmentPkiRenewal(DevelopmentPki pki, IReadOnlyList<string> identities, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            pki.EnsureCertificates(identities);
        }
    }
}
