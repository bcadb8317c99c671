using System.Text.Json;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace HealthPlatform.ServiceDefaults.Authorization.Tokens;

/// <summary>
/// Checks after the standard validation: a certificate-bound token must arrive over a connection
/// that presented that certificate, and a revoked token is refused.
/// </summary>
internal sealed class AccessTokenEvents : JwtBearerEvents
{
    public override async Task TokenValidated(TokenValidatedContext context)
    {
        var principal = context.Principal!;

        // cnf is read from the signed payload itself: as claims, an array would become several (or,
        // empty, none at all) and slip past a check of the first one.
        if (context.SecurityToken is not JsonWebToken jwt)
        {
            context.Fail("The token is not a JSON web token.");
            return;
        }

        using var payload = JsonDocument.Parse(Base64UrlEncoder.Decode(jwt.EncodedPayload));
        if (payload.RootElement.TryGetProperty(CertificateBinding.ConfirmationClaim, out var confirmation))
        {
            if (CertificateBinding.BoundThumbprint(confirmation) is not { } thumbprint)
            {
                context.Fail("The token's cnf claim binds it to nothing this service can check.");
                return;
            }

            var certificate = await context.HttpContext.Connection.GetClientCertificateAsync(context.HttpContext.RequestAborted);
            if (!CertificateBinding.Matches(thumbprint, certificate))
            {
                context.Fail("The token is bound to a client certificate this connection did not present.");
                return;
            }
        }

        var revocations = context.HttpContext.RequestServices.GetRequiredService<IAccessTokenRevocations>();
        var issuedAt = long.TryParse(principal.FindFirst("iat")?.Value, out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds) : (DateTimeOffset?)null;
        var token = new AccessTokenDescriptor(principal.FindFirst("jti")?.Value, principal.FindFirst("sub")?.Value, principal.FindFirst("client_id")?.Value, issuedAt);
        if (await revocations.IsRevokedAsync(token, context.HttpContext.RequestAborted))
        {
            // The signature was good, so who it was issued to is known: the refusal is audited as a
            // revoked token in use (a stolen token, often), not as an anonymous 401.
            context.HttpContext.Features.Set(new RevokedTokenPresented(token));
            context.Fail("The token has been revoked.");
        }
    }

    public override Task Challenge(JwtBearerChallengeContext context)
    {
        // Our own failures carry no standard description; say at least that the token was refused.
        if (context.AuthenticateFailure is not null && string.IsNullOrEmpty(context.Error))
        {
            context.Error = "invalid_token";
        }

        return Task.CompletedTask;
    }
}

/// <summary>Set on a request whose access token was valid but revoked: which token, whose.</summary>
public sealed record RevokedTokenPresented(AccessTokenDescriptor Token);
