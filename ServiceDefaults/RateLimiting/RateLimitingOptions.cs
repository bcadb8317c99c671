namespace HealthPlatform.ServiceDefaults.RateLimiting;

/// <summary>
/// Named rate-limit policies (<c>RateLimiting:Policies:{name}:PermitLimit</c> and <c>:Window</c>).
/// A route names its policy and its cost; unmarked routes use <see cref="DefaultPolicy"/> at cost 1.
/// </summary>
public sealed class RateLimitingOptions
{
    public const string SectionName = "RateLimiting";
    public const string DefaultPolicy = "default";
    public const string StrictPolicy = "strict";

    public Dictionary<string, RateLimitPolicyOptions> Policies { get; init; } = new(StringComparer.Ordinal)
    {
        [DefaultPolicy] = new() { PermitLimit = 600, Window = TimeSpan.FromMinutes(1) },
        // Sign-in and token endpoints: brute force must be slow.
        [StrictPolicy] = new() { PermitLimit = 10, Window = TimeSpan.FromMinutes(1) },
    };

    /// <summary>
    /// Paths answered before routing and authentication have run — OpenIddict answers its token and
    /// authorization endpoints inside the authentication middleware — mapped to their policy. They
    /// are counted before authentication (per address), so they cannot slip past the limiter. Set
    /// in code with <see cref="RateLimitEndpointExtensions.LimitBeforeAuthentication"/>.
    /// </summary>
    public Dictionary<string, string> EarlyPaths { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// While Redis is unreachable each replica limits on its own, at this fraction of the shared
    /// limit (so that a few replicas together stay near it). See ADR-004.
    /// </summary>
    public double FallbackFraction { get; set; } = 0.5;
}
