using Microsoft.AspNetCore.Builder;

namespace HealthPlatform.ServiceDefaults.RateLimiting;

public static class RateLimitEndpointExtensions
{
    /// <summary>
    /// Charges each call <paramref name="cost"/> permits of <paramref name="policy"/>: a search that
    /// costs 5 uses up the allowance five times as fast as a read that costs 1.
    /// </summary>
    public static TBuilder WithRateLimit<TBuilder>(this TBuilder builder, string policy, int cost = 1)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentOutOfRangeException.ThrowIfLessThan(cost, 1);
        return builder.WithMetadata(new RateLimitMetadata(policy, cost));
    }
}
