using System.Globalization;
using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using HealthPlatform.Contracts.Revocation;
using HealthPlatform.LocalInfrastructure;
using HealthPlatform.ServiceDefaults.Authorization.Revocations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace HealthPlatform.Testing;

/// <summary>
/// A stand-in authorization server for testing token validation with real tokens: discovery and
/// JWKS over TLS with the platform's "identity" certificate, ECDSA P-256 signing keys that can be
/// rotated, and tokens minted on demand.
/// </summary>
public sealed class TestTokenIssuer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<ECDsaSecurityKey> _published = [];
    private readonly List<RsaSecurityKey> _publishedRsa = [];
    private readonly List<AccessRevoked> _revocations = [];
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    private TestTokenIssuer(WebApplication app, Uri issuer)
    {
        _app = app;
        Issuer = issuer;
    }

    public Uri Issuer { get; }

    /// <summary>The key new tokens are signed with.</summary>
    public ECDsaSecurityKey Current => _published[^1];

    public static async Task<TestTokenIssuer> StartAsync(TestPki pki)
    {
        var port = FreePort.Next();
        var issuerUri = new Uri(string.Create(CultureInfo.InvariantCulture, $"https://127.0.0.1:{port}/"));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var certificate = pki.Certificate("identity");
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen => listen.UseHttps(certificate)));
        var app = builder.Build();
        var issuer = new TestTokenIssuer(app, issuerUri);
        issuer.Rotate();
        app.MapGet("/.well-known/openid-configuration", () => TypedResults.Json(new Dictionary<string, object>
        {
            ["issuer"] = issuerUri.AbsoluteUri,
            ["jwks_uri"] = new Uri(issuerUri, "jwks").AbsoluteUri,
        }));
        app.MapGet("/jwks", () => TypedResults.Text(issuer.Jwks(), "application/json"));

        // The identity service's revocation list, as services that validate tokens read it (on this listener too).
        app.MapGet(RevocationListClient.Path, () => TypedResults.Json(new RevocationListSnapshot { Revocations = [.. issuer._revocations.ToList()] }));
        await app.StartAsync();
        return issuer;
    }

    /// <summary>Puts every token of <paramref name="subject"/> issued until now on the revocation list (read by validators at their next resynchronization).</summary>
    public void RevokeSubject(string subject) => _revocations.Add(new AccessRevoked
    {
        RevocationId = Guid.NewGuid(),
        Scope = RevocationScope.Subject,
        Value = subject,
        RevokedAt = DateTimeOffset.UtcNow,
        ExpiresAt = DateTimeOffset.UtcNow.AddHours(1),
    });

    /// <summary>Publishes a new key and signs with it from now on; earlier keys stay published.</summary>
    public ECDsaSecurityKey Rotate()
    {
        var key = new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = Guid.NewGuid().ToString("N") };
        _published.Add(key);
        return key;
    }

    /// <summary>Publishes an RSA key too (signing stays with the current EC key unless a token names this one).</summary>
    public RsaSecurityKey PublishRsa()
    {
        var key = new RsaSecurityKey(RSA.Create(2048)) { KeyId = Guid.NewGuid().ToString("N") };
        _publishedRsa.Add(key);
        return key;
    }

    /// <summary>A key that signs but was never published.</summary>
    public static ECDsaSecurityKey Unpublished() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = Guid.NewGuid().ToString("N") };

    /// <summary>An access token; every part can be overridden to make a bad one.</summary>
    public string Mint(
        string audience = "records",
        TimeSpan? lifetime = null,
        bool withExpiry = true,
        IReadOnlyList<string>? audiences = null,
        string? issuer = null,
        SecurityKey? key = null,
        string tokenType = "at+jwt",
        string algorithm = SecurityAlgorithms.EcdsaSha256,
        IDictionary<string, object>? claims = null,
        IReadOnlyList<string>? without = null)
    {
        var now = DateTime.UtcNow;
        var all = new Dictionary<string, object>
        {
            ["sub"] = "practitioner-7",
            ["fhirUser"] = "Practitioner/practitioner-7",
            ["client_id"] = "ehr-app",
            ["scope"] = "user/Observation.rs",
            ["jti"] = Guid.NewGuid().ToString("N"),
        };
        foreach (var (name, value) in claims ?? new Dictionary<string, object>())
        {
            all[name] = value;
        }

        foreach (var name in without ?? [])
        {
            all.Remove(name);
        }

        var expires = now + (lifetime ?? TimeSpan.FromMinutes(5));
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer.AbsoluteUri,
            IssuedAt = expires < now ? expires.AddMinutes(-5) : now,
            NotBefore = expires < now ? expires.AddMinutes(-5) : now,
            Expires = withExpiry ? expires : null,
            Claims = all,
            TokenType = tokenType,
            SigningCredentials = new SigningCredentials(key ?? Current, algorithm),
        };
        if (audiences is null)
        {
            descriptor.Audience = audience;
        }
        else
        {
            foreach (var each in audiences)
            {
                descriptor.Audiences.Add(each);
            }
        }

        return _handler.CreateToken(descriptor);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private string Jwks()
    {
        var keys = new JsonWebKeySet();
        foreach (var key in _published.ToList())
        {
            var jwk = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(key);
            jwk.D = null;
            jwk.Use = "sig";
            keys.Keys.Add(jwk);
        }

        var rsa = _publishedRsa.ToList().Select(key =>
        {
            var parameters = key.Rsa.ExportParameters(includePrivateParameters: false);
            return (object)new { kty = "RSA", use = "sig", kid = key.KeyId, n = Base64UrlEncoder.Encode(parameters.Modulus), e = Base64UrlEncoder.Encode(parameters.Exponent) };
        });
        return System.Text.Json.JsonSerializer.Serialize(new
        {
            keys = keys.Keys.Select(k => (object)new { kty = k.Kty, use = k.Use, kid = k.Kid, crv = k.Crv, x = k.X, y = k.Y, alg = "ES256" }).Concat(rsa),
        });
    }
}
