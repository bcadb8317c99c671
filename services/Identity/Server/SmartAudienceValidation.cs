using HealthPlatform.ServiceDefaults.Authorization.Smart;
using Microsoft.Extensions.Options;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HealthPlatform.Identity.Server;

/// <summary>
/// SMART's <c>aud</c> parameter names the FHIR server the app means to call, so that a token is
/// never handed to a server the user did not intend: when present it must be one of the FHIR base
/// URLs this platform serves (<see cref="AuthorizationServerOptions.FhirBaseUrls"/>), and a request
/// for FHIR resource scopes must carry it.
/// </summary>
internal sealed class SmartAudienceValidation(IOptions<AuthorizationServerOptions> settings) : IOpenIddictServerHandler<OpenIddictServerEvents.ValidateAuthorizationRequestContext>
{
    public const string Parameter = "aud";

    public ValueTask HandleAsync(OpenIddictServerEvents.ValidateAuthorizationRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var audience = (string?)context.Request[Parameter];
        if (audience is null)
        {
            var resourceScopes = SmartScopeParser.TryParseList(context.Request.Scope, out var scopes, out _)
                && scopes.Any(scope => scope is SmartResourceScope);
            if (resourceScopes)
            {
                context.Reject(Errors.InvalidRequest, "The aud parameter (the FHIR base URL the app will call) is required with FHIR resource scopes.");
            }

            return ValueTask.CompletedTask;
        }

        if (!settings.Value.FhirBaseUrls.Any(url => Same(url, audience)))
        {
            context.Reject(Errors.InvalidRequest, "The aud parameter is not a FHIR base URL served here.");
        }

        return ValueTask.CompletedTask;
    }

    // A trailing slash is the only difference tolerated: FHIR base URLs are compared as written.
    private static bool Same(Uri registered, string audience) =>
        string.Equals(registered.AbsoluteUri.TrimEnd('/'), audience.TrimEnd('/'), StringComparison.Ordinal);
}
