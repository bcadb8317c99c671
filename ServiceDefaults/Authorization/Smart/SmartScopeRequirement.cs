using Microsoft.AspNetCore.Authorization;

namespace HealthPlatform.ServiceDefaults.Authorization.Smart;

/// <summary>
/// The token's <c>scope</c> must hold a SMART resource scope that reaches <see cref="ResourceType"/>
/// with all of <see cref="Permissions"/>. A narrowed (granular) scope counts only where the route
/// says it applies those narrowings to what it returns (<see cref="AcceptsNarrowedScopes"/>).
/// Which patient a <c>patient/</c> scope reaches is the route's own check (the launch context).
/// </summary>
public sealed record SmartScopeRequirement(string ResourceType, SmartPermissions Permissions, bool AcceptsNarrowedScopes = false) : IAuthorizationRequirement
{
    public bool IsMetBy(SmartResourceScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        return scope.AppliesTo(ResourceType) && scope.Allows(Permissions) && (AcceptsNarrowedScopes || scope.Parameters.Count == 0);
    }

    /// <summary>The smallest v2 scope that would do, for the <c>WWW-Authenticate</c> hint.</summary>
    public string Hint(SmartContext context)
    {
        var letters = string.Concat("cruds".Where((_, index) => Permissions.HasFlag((SmartPermissions)(1 << index))));
        return $"{context.ToString().ToLowerInvariant()}/{ResourceType}.{letters}";
    }
}
