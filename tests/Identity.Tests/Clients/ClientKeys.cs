using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace HealthPlatform.Identity.Tests.Clients;

/// <summary>What a client app holds: keys to sign assertions with and certificates to present, and the public parts it registers.</summary>
internal static class ClientKeys
{
    public static ECDsaSecurityKey EcKey(ECCurve curve) => new(ECDsa.Create(curve)) { KeyId = Guid.NewGuid().ToString("N") };

    public static RsaSecurityKey RsaKey() => new(RSA.Create(2048)) { KeyId = Guid.NewGuid().ToString("N") };

    /// <summary>The public JWK of a key: built from the public parameters only, so no private member can leak into the registration.</summary>
    public static JsonWebKey PublicJwk(SecurityKey key)
    {
        var jwk = key switch
        {
            ECDsaSecurityKey ec => JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(ECDsa.Create(ec.ECDsa.ExportParameters(includePrivateParameters: false))) { KeyId = ec.KeyId }),
            RsaSecurityKey rsa => JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.Rsa.ExportParameters(includePrivateParameters: false)) { KeyId = rsa.KeyId }),
            _ => throw new ArgumentException("EC or RSA keys only.", nameof(key)),
        };
        jwk.Use = "sig";
        return jwk;
    }

    /// <summary>The JWK registering a client certificate: its public key with the certificate in <c>x5c</c>.</summary>
    public static JsonWebKey CertificateJwk(X509Certificate2 certificate)
    {
        var jwk = PublicJwk(new ECDsaSecurityKey(certificate.GetECDsaPublicKey()!) { KeyId = certificate.Thumbprint });
        jwk.X5c.Add(Convert.ToBase64String(certificate.RawData));
        return jwk;
    }

    /// <summary>A self-signed client-authentication certificate (EC P-256), as a third-party app would make.</summary>
    public static X509Certificate2 SelfSigned(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }

    /// <summary>A SMART Backend Services client assertion (RFC 7523), signed with <paramref name="key"/>.</summary>
    public static string Assertion(
        SecurityKey key,
        string algorithm,
        string clientId,
        Uri audience,
        TimeSpan? lifetime = null,
        string? jwtId = "",
        string tokenType = "JWT",
        string? issuer = null,
        IDictionary<string, object>? extraClaims = null)
    {
        var now = DateTime.UtcNow;
        var claims = new Dictionary<string, object>(extraClaims ?? new Dictionary<string, object>()) { ["sub"] = clientId };
        if (jwtId is not null)
        {
            claims["jti"] = jwtId.Length == 0 ? Guid.NewGuid().ToString("N") : jwtId;
        }

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? clientId,
            Audience = audience.AbsoluteUri,
            Claims = claims,
            IssuedAt = now,
            Expires = now + (lifetime ?? TimeSpan.FromMinutes(4)),
            TokenType = tokenType,
            SigningCredentials = new SigningCredentials(key, algorithm),
        });
    }
}
