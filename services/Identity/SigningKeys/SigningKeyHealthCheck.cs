using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthPlatform.Identity.SigningKeys;

/// <summary>Not ready until the signing keys are loaded: no token can be issued before.</summary>
internal sealed class SigningKeyHealthCheck(SigningKeyCache cache) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(cache.Current is null ? HealthCheckResult.Unhealthy("Signing keys not loaded yet") : HealthCheckResult.Healthy("Signing keys loaded"));
}
