using HealthPlatform.ServiceDefaults.Authorization.Tokens;
using HealthPlatform.ServiceDefaults.Health;
using HealthPlatform.ServiceDefaults.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace HealthPlatform.ServiceDefaults.Authorization.Revocations;

public static class RevocationListExtensions
{
    /// <summary>
    /// Token validation refuses revoked tokens within a second of their revocation: this instance
    /// keeps the identity service's revocation list in memory, fed by events on its own queue and
    /// by snapshots over mTLS (<see cref="RevocationListSync"/>). Needs the platform's messaging.
    /// The readiness check <c>revocations</c> fails until the first snapshot is in: an instance that
    /// does not know what was revoked takes no traffic.
    /// </summary>
    public static IHostApplicationBuilder AddAccessTokenRevocations(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptionsWithValidateOnStart<RevocationListOptions>()
            .Bind(builder.Configuration.GetSection(RevocationListOptions.SectionName))
            .Validate(options => options.ResynchronizeInterval >= TimeSpan.FromSeconds(1) && options.ResynchronizeInterval <= TimeSpan.FromHours(1),
                $"{RevocationListOptions.SectionName}:ResynchronizeInterval must be between 1 second and 1 hour.");
        builder.Services.AddSingleton<RevocationList>();
        builder.Services.AddSingleton<IAccessTokenRevocations>(services => services.GetRequiredService<RevocationList>());
        builder.AddPlatformServiceClient<RevocationListClient>(ResourceNames.Identity);
        builder.Services.AddHostedService<RevocationListSync>();
        builder.Services.AddHealthChecks().AddCheck<RevocationListHealthCheck>("revocations", tags: [HealthTags.Ready]);
        return builder;
    }
}

/// <summary>
/// Unhealthy (not ready) until the list was read once; degraded when it has not been read again for
/// three intervals — events still arrive, but a lost one would no longer be caught up.
/// </summary>
internal sealed class RevocationListHealthCheck(RevocationList list, IOptions<RevocationListOptions> options, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!list.Loaded.IsCompleted || list.LastSynchronized is not { } last)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The revocation list has not been read from the identity service yet."));
        }

        var age = time.GetUtcNow() - last;
        return Task.FromResult(age > 3 * options.Value.ResynchronizeInterval
            ? HealthCheckResult.Degraded($"The revocation list was last read {age.TotalSeconds:0} s ago; events still apply, missed ones are not caught up.")
            : HealthCheckResult.Healthy($"{list.Count} revocation(s) in force; last read {age.TotalSeconds:0} s ago."));
    }
}
