namespace HealthPlatform.ServiceDefaults.RateLimiting;

/// <summary>One policy: how many permits each caller may spend per fixed window.</summary>
public sealed class RateLimitPolicyOptions
{
    public int PermitLimit { get; set; }

    public TimeSpan Window { get; set; }
}
