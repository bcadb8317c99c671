using Microsoft.AspNetCore.Authorization;

namespace HealthPlatform.ServiceDefaults.Authorization.Smart;

/// <summary>Meets a <see cref="SmartScopeRequirement"/> from the token's space-separated <c>scope</c> claim; scopes that do not parse grant nothing.</summary>
internal sealed class SmartScopeAuthorizationHandler : AuthorizationHandler<SmartScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, SmartScopeRequirement requirement)
    {
        var granted = context.User.FindAll("scope")
            .SelectMany(claim => claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(value => SmartScopeParser.TryParse(value, out var scope, out _) ? scope : null)
            .OfType<SmartResourceScope>();
        // Not met is left unmet (not failed outright), so the 403 can name the missing requirement.
        if (granted.Any(requirement.IsMetBy))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
