using HealthPlatform.ServiceDefaults.Authorization.Smart;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HealthPlatform.Identity.Server;

/// <summary>
/// Validates requested scopes as SMART grammar and against the client's allowance (its <c>scp:</c>
/// permissions, themselves SMART scopes): a scope that does not parse, or that no allowed scope
/// covers, is refused with <c>invalid_scope</c> and the reason — nothing is issued. Applies to
/// authorization requests and to token requests that name scopes (client credentials always do;
/// a code or refresh request may narrow what was granted, never widen it).
/// </summary>
internal sealed class SmartScopeValidation(IOpenIddictApplicationManager applications) :
    IOpenIddictServerHandler<OpenIddictServerEvents.ValidateTokenRequestContext>,
    IOpenIddictServerHandler<OpenIddictServerEvents.ValidateAuthorizationRequestContext>
{
    public async ValueTask HandleAsync(OpenIddictServerEvents.ValidateTokenRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Request.IsClientCredentialsGrantType() || !string.IsNullOrEmpty(context.Request.Scope))
        {
            await ValidateAsync(context, context.Request, context.ClientId);
        }
    }

    public ValueTask HandleAsync(OpenIddictServerEvents.ValidateAuthorizationRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ValidateAsync(context, context.Request, context.ClientId);
    }

    private async ValueTask ValidateAsync(OpenIddictServerEvents.BaseValidatingContext context, OpenIddictRequest request, string? clientId)
    {
        if (!SmartScopeParser.TryParseList(request.Scope, out var requested, out var error))
        {
            context.Reject(error: Errors.InvalidScope, description: error);
            return;
        }

        if (requested.Count == 0)
        {
            // A token without scopes would reach no API (no audience): refuse it rather than issue it.
            context.Reject(error: Errors.InvalidScope, description: "Request at least one scope (e.g. system/Observation.rs).");
            return;
        }

        var application = clientId is null ? null : await applications.FindByClientIdAsync(clientId, context.CancellationToken);
        if (application is null)
        {
            // Client authentication has already failed or will fail: grant no scope at all.
            context.Reject(error: Errors.InvalidClient, description: "The client is not registered.");
            return;
        }

        var allowance = (await applications.GetPermissionsAsync(application, context.CancellationToken))
            .Where(permission => permission.StartsWith(Permissions.Prefixes.Scope, StringComparison.Ordinal))
            .Select(permission => SmartScopeParser.TryParse(permission[Permissions.Prefixes.Scope.Length..], out var scope, out _) ? scope : null)
            .OfType<SmartScope>()
            .ToList();
        var uncovered = SmartScopeAllowance.Uncovered(allowance, requested);
        if (uncovered.Count > 0)
        {
            context.Reject(error: Errors.InvalidScope, description: $"This client may not request {string.Join(' ', uncovered)}.");
        }
    }
}
