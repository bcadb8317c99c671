using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;

namespace HealthPlatform.ServiceDefaults.Authorization.Smart;

/// <summary>
/// Meets a <see cref="SmartScopeRequirement"/> from the token's <c>scope</c> claim(s); scopes that do
/// not parse grant nothing, and a <c>patient/</c> scope grants nothing without the token's
/// <c>patient</c> launch context. The scopes that met it are left on the request as a
/// <see cref="SmartScopeGrant"/>, so the route can apply their narrowing and patient context.
/// </summary>
internal sealed class SmartScopeAuthorizationHandler : AuthorizationHandler<SmartScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, SmartScopeRequirement requirement)
    {
        var patient = context.User.FindFirst("patient")?.Value;
        var meeting = SmartScopeParser.ResourceScopesOf(context.User)
            .Where(scope => scope.Context != SmartContext.Patient || patient is not null)
            .Where(requirement.IsMetBy)
            .ToList();

        // Not met is left unmet (not failed outright), so the 403 can name the missing requirement.
        if (meeting.Count > 0)
        {
            if (context.Resource is HttpContext request)
            {
                request.Features.Set(new SmartScopeGrant(meeting, patient));
            }

            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

/// <summary>The token's scopes that admitted this request, and its patient launch context if any.</summary>
public sealed record SmartScopeGrant(IReadOnlyList<SmartResourceScope> Scopes, string? PatientId);
