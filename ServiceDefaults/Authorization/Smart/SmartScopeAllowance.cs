namespace HealthPlatform.ServiceDefaults.Authorization.Smart;

/// <summary>
/// Whether what a client asks for stays within what it is allowed, both written as SMART scopes:
/// a client allowed <c>user/*.rs</c> may ask for <c>user/Observation.r</c> or
/// <c>user/Observation.rs?category=laboratory</c>, but not <c>user/Observation.c</c> or
/// <c>patient/Observation.rs</c>.
/// </summary>
public static class SmartScopeAllowance
{
    /// <summary>
    /// Whether <paramref name="allowed"/> covers <paramref name="requested"/>: the same context; the
    /// same resource type or an allowed wildcard (which never reaches the audit log); no permission beyond the allowed ones; and, where the
    /// allowance is narrowed, at least the same narrowing (asking for narrower is always fine).
    /// </summary>
    public static bool Covers(SmartScope allowed, SmartScope requested)
    {
        ArgumentNullException.ThrowIfNull(allowed);
        ArgumentNullException.ThrowIfNull(requested);
        return (allowed, requested) switch
        {
            (SmartFixedScope fixedAllowed, SmartFixedScope fixedRequested) => string.Equals(fixedAllowed.Value, fixedRequested.Value, StringComparison.Ordinal),
            (SmartResourceScope resourceAllowed, SmartResourceScope resourceRequested) => Covers(resourceAllowed, resourceRequested),
            _ => false,
        };
    }

    /// <summary>The requested scopes no allowed scope covers (empty when the request is within the allowance).</summary>
    public static IReadOnlyList<SmartScope> Uncovered(IEnumerable<SmartScope> allowed, IEnumerable<SmartScope> requested)
    {
        ArgumentNullException.ThrowIfNull(allowed);
        ArgumentNullException.ThrowIfNull(requested);
        var allowance = allowed.ToList();
        return [.. requested.Where(scope => !allowance.Exists(grant => Covers(grant, scope)))];
    }

    private static bool Covers(SmartResourceScope allowed, SmartResourceScope requested) =>
        allowed.Context == requested.Context
        && allowed.AppliesTo(requested.ResourceType)
        && (requested.Permissions & ~allowed.Permissions) == SmartPermissions.None
        && allowed.Parameters.All(requested.Parameters.Contains);
}
