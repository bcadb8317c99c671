using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HealthPlatform.Identity.Revocations;

/// <summary>
/// An access token revoked at the revocation endpoint (RFC 7009) is refused by every service, not
/// only by this one: after OpenIddict has revoked its entry here, its <c>jti</c> goes on the
/// revocation list and out as an event. (Refresh tokens are only ever presented here.)
/// </summary>
internal sealed class AccessTokenRevokedEverywhere(AccessRevocations revocations) : IOpenIddictServerHandler<OpenIddictServerEvents.HandleRevocationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor
        .CreateBuilder<OpenIddictServerEvents.HandleRevocationRequestContext>()
        .UseScopedHandler<AccessTokenRevokedEverywhere>()
        .SetOrder(OpenIddictServerHandlers.Revocation.RevokeToken.Descriptor.Order + 500)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public async ValueTask HandleAsync(OpenIddictServerEvents.HandleRevocationRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var token = context.GenericTokenPrincipal;
        if (context.IsRejected || token is null || !token.HasTokenType(TokenTypeIdentifiers.AccessToken))
        {
            return;
        }

        if (token.GetClaim(Claims.JwtId) is { Length: > 0 } tokenId && token.GetExpirationDate() is { } expiresAt)
        {
            await revocations.RevokeTokenAsync(tokenId, expiresAt, context.CancellationToken);
        }
    }
}
