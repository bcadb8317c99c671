using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Duende.IdentityModel;
using Duende.IdentityModel.Client;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace HealthPlatform.Examples;

/// <summary>A backend client of the identity service (client credentials), with Duende.IdentityModel.</summary>
public static class SmartBackendClient
{
    /// <summary>SMART Backend Services: authenticate with a one-time assertion signed by the client's ES384 key.</summary>
    public static Task<TokenResponse> RequestTokenWithKeyAsync(HttpClient http, Uri tokenEndpoint, string clientId, ECDsa privateKey, string scope)
    {
        var now = DateTime.UtcNow;
        var assertion = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = clientId,
            Audience = tokenEndpoint.AbsoluteUri,
            Claims = new Dictionary<string, object> { ["sub"] = clientId, ["jti"] = Guid.NewGuid().ToString("N") },
            IssuedAt = now,
            Expires = now.AddMinutes(4),
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(privateKey), SecurityAlgorithms.EcdsaSha384),
        });
        return http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = tokenEndpoint.AbsoluteUri,
            ClientId = clientId,
            ClientCredentialStyle = ClientCredentialStyle.PostBody,
            ClientAssertion = new ClientAssertion { Type = OidcConstants.ClientAssertionTypes.JwtBearer, Value = assertion },
            Scope = scope,
        });
    }

    /// <summary>mTLS (RFC 8705): the certificate authenticates the client on the mTLS token endpoint, and the token is bound to it.</summary>
    public static Task<TokenResponse> RequestTokenWithCertificateAsync(HttpClient mtlsClient, Uri mtlsTokenEndpoint, string clientId, string scope) =>
        mtlsClient.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = mtlsTokenEndpoint.AbsoluteUri,
            ClientId = clientId,
            ClientCredentialStyle = ClientCredentialStyle.PostBody,
            Scope = scope,
        });

    /// <summary>An HttpClient that trusts only the platform CA and, for mTLS, presents <paramref name="clientCertificate"/>.</summary>
    public static HttpClient CreateClient(X509Certificate2 platformCa, X509Certificate2? clientCertificate = null)
    {
        var handler = new SocketsHttpHandler();
        if (clientCertificate is not null)
        {
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate;
        }

        handler.SslOptions.CertificateChainPolicy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            CustomTrustStore = { platformCa },
            RevocationMode = X509RevocationMode.NoCheck,
        };
        return new HttpClient(handler);
    }
}
