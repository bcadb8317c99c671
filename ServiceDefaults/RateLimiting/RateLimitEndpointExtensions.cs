using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

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

    /// <summary>
    /// Counts calls to <paramref name="path"/> against <paramref name="policy"/> before
    /// authentication runs: for endpoints a handler answers inside the authentication middleware
    /// (OpenIddict's token endpoint), which the limiter after authentication would never see.
    /// </summary>
    public static IHostApplicationBuilder LimitBeforeAuthentication(this IHostApplicationBuilder builder, string path, string policy)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure<RateLimitingOptions>(options => options.EarlyPaths[path] = policy);
        return builder;
    }
}
