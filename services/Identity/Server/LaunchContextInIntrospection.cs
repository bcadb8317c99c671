using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HealthPlatform.Identity.Server;

/// <summary>
/// The SMART launch context in introspection: an active access token's <c>patient</c> is shown to
/// the client it was issued to and to the APIs it is for — the callers OpenIddict itself shows the
/// token's claims to — and to no one else.
/// </summary>
internal sealed class LaunchContextInIntrospection : IOpenIddictServerHandler<OpenIddictServerEvents.HandleIntrospectionRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor
        .CreateBuilder<OpenIddictServerEvents.HandleIntrospectionRequestContext>()
        .UseSingletonHandler<LaunchContextInIntrospection>()
        .SetOrder(OpenIddictServerHandlers.Introspection.AttachApplicationClaims.Descriptor.Order + 500)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(OpenIddictServerEvents.HandleIntrospectionRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var token = context.GenericTokenPrincipal;
        var caller = context.Request.ClientId;
        if (token is not null && caller is not null
            && token.HasTokenType(TokenTypeIdentifiers.AccessToken)
            && (token.HasAudience(caller) || string.Equals(token.GetClaim(Claims.ClientId), caller, StringComparison.Ordinal))
            && token.GetClaim(AuthorizationEndpoints.PatientClaim) is { } patient)
        {
            context.Claims[AuthorizationEndpoints.PatientClaim] = patient;
        }

        return ValueTask.CompletedTask;
    }
}
