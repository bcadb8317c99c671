using HealthPlatform.ServiceDefaults.Authorization.Tokens;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;

namespace HealthPlatform.ServiceDefaults.Authorization.Smart;

/// <summary>
/// A 403 for a missing SMART scope says so the standard way (RFC 6750 §3.1):
/// <c>WWW-Authenticate: Bearer error="insufficient_scope", scope="user/Observation.rs"</c>.
/// </summary>
internal sealed class InsufficientScopeResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(authorizeResult);
        if (authorizeResult.Forbidden && authorizeResult.AuthorizationFailure?.FailedRequirements.OfType<SmartScopeRequirement>().FirstOrDefault() is { } missing)
        {
            // The context the caller works in: a patient launch, a user (fhirUser), or the client system itself.
            var scopeContext = context.User.FindFirst("patient") is not null ? SmartContext.Patient
                : context.User.FindFirst("fhirUser") is not null ? SmartContext.User
                : SmartContext.System;
            context.Response.OnStarting(() =>
            {
                if (context.Response.StatusCode == StatusCodes.Status403Forbidden)
                {
                    context.Response.Headers.WWWAuthenticate = $"{TokenValidationExtensions.SchemeName} error=\"insufficient_scope\", scope=\"{missing.Hint(scopeContext)}\"";
                }

                return Task.CompletedTask;
            });
        }

        return _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
