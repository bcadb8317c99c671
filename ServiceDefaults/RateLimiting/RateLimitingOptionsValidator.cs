using Microsoft.Extensions.Options;

namespace HealthPlatform.ServiceDefaults.RateLimiting;

internal sealed class RateLimitingOptionsValidator : IValidateOptions<RateLimitingOptions>
{
    private const string Section = RateLimitingOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, RateLimitingOptions options)
    {
        var failures = new List<string>();
        if (!options.Policies.ContainsKey(RateLimitingOptions.DefaultPolicy))
        {
            failures.Add($"{Section}:Policies:{RateLimitingOptions.DefaultPolicy} is required.");
        }

        foreach (var (policy, limits) in options.Policies)
        {
            if (limits.PermitLimit <= 0)
            {
                failures.Add($"{Section}:Policies:{policy}:PermitLimit must be positive.");
            }

            if (limits.Window <= TimeSpan.Zero)
            {
                failures.Add($"{Section}:Policies:{policy}:Window must be positive.");
            }
        }

        foreach (var (path, policy) in options.EarlyPaths)
        {
            if (!path.StartsWith('/') || !options.Policies.ContainsKey(policy))
            {
                failures.Add($"Early rate-limited path '{path}' must start with '/' and name a defined policy (not '{policy}').");
            }
        }

        if (options.FallbackFraction is <= 0 or > 1)
        {
            failures.Add($"{Section}:FallbackFraction must be in (0, 1].");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
