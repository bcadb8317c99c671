using System.Security.Claims;
using HealthPlatform.ServiceDefaults.Authorization.Smart;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HealthPlatform.Identity.Server;

/// <summary>
/// Issues the access token of a client credentials request: the client is the subject, the
/// requested (already validated) scopes are granted, and the audiences are the APIs those scopes
/// reach (docs/smart-scopes.md).
/// </summary>
internal sealed class ClientCredentialsSignIn : IOpenIddictServerHandler<OpenIddictServerEvents.HandleTokenRequestContext>
{
    public ValueTask HandleAsync(OpenIddictServerEvents.HandleTokenRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.Request.IsClientCredentialsGrantType())
        {
            return ValueTask.CompletedTask;
        }

        var scopes = context.Request.GetScopes();
        var audiences = SmartScopeApis.AudiencesFor(scopes);

        var identity = new ClaimsIdentity(authenticationType: "client_credentials", nameType: Claims.Subject, roleType: Claims.Role);
        identity.SetClaim(Claims.Subject, context.ClientId);
        identity.SetScopes(scopes);
        identity.SetResources(audiences);
        identity.SetDestinations(static _ => [Destinations.AccessToken]);
        context.SignIn(new ClaimsPrincipal(identity));
        return ValueTask.CompletedTask;
    }
}
