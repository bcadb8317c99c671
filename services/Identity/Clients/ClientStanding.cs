using HealthPlatform.Identity.Infrastructure;
using HealthPlatform.ServiceDefaults.Authorization.Smart;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HealthPlatform.Identity.Clients;

/// <summary>
/// What the registry says about a client, enforced on every authorization and token request: a
/// disabled client gets nothing; a third-party client gets PHI scopes (any FHIR resource scope)
/// only when a Business Associate Agreement is on record for it.
/// </summary>
internal sealed class ClientStanding(IOpenIddictApplicationManager applications, IdentityDbContext database) :
    IOpenIddictServerHandler<OpenIddictServerEvents.ValidateAuthorizationRequestContext>,
    IOpenIddictServerHandler<OpenIddictServerEvents.ValidateTokenRequestContext>
{
    public ValueTask HandleAsync(OpenIddictServerEvents.ValidateAuthorizationRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return CheckAsync(context, context.ClientId, context.Request.Scope, Errors.UnauthorizedClient);
    }

    public ValueTask HandleAsync(OpenIddictServerEvents.ValidateTokenRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return CheckAsync(context, context.ClientId, context.Request.Scope, Errors.InvalidClient);
    }

    private async ValueTask CheckAsync(OpenIddictServerEvents.BaseValidatingContext context, string? clientId, string? scope, string disabledError)
    {
        if (clientId is null || await applications.FindByClientIdAsync(clientId, context.CancellationToken) is not { } application)
        {
            return; // unknown clients are refused by OpenIddict itself
        }

        var settings = await applications.GetSettingsAsync(application, context.CancellationToken);
        if (ClientSettings.IsSet(settings, ClientSettings.Disabled))
        {
            context.Reject(error: disabledError, description: "The client is disabled.");
            return;
        }

        if (ClientSettings.IsSet(settings, ClientSettings.ThirdParty)
            && SmartScopeParser.TryParseList(scope, out var requested, out _)
            && requested.OfType<SmartResourceScope>().Any()
            && !await database.BusinessAssociateAgreements.AnyAsync(agreement => agreement.ClientId == clientId, context.CancellationToken))
        {
            context.Reject(
                error: Errors.InvalidScope,
                description: "This third-party client has no Business Associate Agreement on record: it may not request access to patient data (FHIR resource scopes).");
        }
    }
}
