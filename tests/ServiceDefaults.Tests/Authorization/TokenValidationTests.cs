using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using HealthPlatform.ServiceDefaults.Authorization.Smart;
using HealthPlatform.ServiceDefaults.Authorization.Tokens;
using HealthPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HealthPlatform.ServiceDefaults.Tests.Authorization;

/// <summary>
/// A service validating real signed tokens from a stand-in issuer (discovery and JWKS over TLS):
/// everything a token must prove, certificate binding, key rotation and the revocation hook.
/// </summary>
public sealed class TokenValidationTests : IAsyncLifetime, IDisposable
{
    private static readonly string[] ScopeList = ["openid", "user/Condition.rs"];

    private readonly TestPki _pki = new("records", "identity", "consent");
    private readonly ServiceHost _records;
    private readonly RevokedTokens _revoked = new();
    private TestTokenIssuer? _issuer;
    private WebApplication? _app;

    public TokenValidationTests() => _records = new ServiceHost(_pki, "records");

    private TestTokenIssuer Issuer => _issuer!;

    private Uri Observations => new(_records.Public, "/fhir/Observation");

    public async Task InitializeAsync()
    {
        _issuer = await TestTokenIssuer.StartAsync(_pki);
        var builder = _records.CreateBuilder(new Dictionary<string, string?>
        {
            ["TokenValidation:Authority"] = Issuer.Issuer.AbsoluteUri,
            ["TokenValidation:UnknownKeyRefreshInterval"] = "00:00:01",
        });
        builder.AddPlatformTokenValidation();
        builder.Services.Replace(ServiceDescriptor.Singleton<IAccessTokenRevocations>(_revoked));
        _app = builder.Build();
        _app.MapDefaultEndpoints();
        _app.MapGet("/fhir/Observation", (HttpContext context) => TypedResults.Ok(context.User.FindFirst("client_id")?.Value)).RequireAccessToken();
        _app.MapGet("/fhir/Condition/{id}", (string id) => TypedResults.Ok(id)).RequireSmartScope("Condition", SmartPermissions.Read);
        _app.MapGet("/fhir/AuditEvent", () => TypedResults.Ok()).RequireSmartScope("AuditEvent", SmartPermissions.Search);
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        if (_issuer is not null)
        {
            await _issuer.DisposeAsync();
        }
    }

    public void Dispose() => _pki.Dispose();

    [Fact]
    public async Task AValidToken_ForThisApi_IsAccepted()
    {
        using var response = await GetAsync(Issuer.Mint());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"ehr-app\"", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task NoToken_Is401WithABearerChallenge()
    {
        using var response = await GetAsync(token: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
    }

    public static TheoryData<string, Func<TestTokenIssuer, string>> BadTokens => new()
    {
        { "another API's audience", issuer => issuer.Mint(audience: "consent") },
        { "expired", issuer => issuer.Mint(lifetime: TimeSpan.FromMinutes(-2)) },
        { "another issuer", issuer => issuer.Mint(issuer: "https://attacker.example/") },
        { "a key the issuer never published", issuer => issuer.Mint(key: TestTokenIssuer.Unpublished()) },
        { "an ID token, not an access token", issuer => issuer.Mint(tokenType: "JWT") },
        { "no expiry", issuer => issuer.Mint(withExpiry: false) },
        { "audiences that are not this API's", issuer => issuer.Mint(audiences: ["consent", "audit"]) },
    };

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task ABadToken_Is401InvalidToken(string why, Func<TestTokenIssuer, string> mint)
    {
        using var response = await GetAsync(mint(Issuer));

        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, why);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains("error=\"invalid_token\"", challenge.Parameter, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAudienceListNamingThisApi_IsAccepted()
    {
        using var response = await GetAsync(Issuer.Mint(audiences: ["consent", "records"]));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task APublishedKey_WithAnAlgorithmOutsideTheAllowedList_IsRefused()
    {
        var rsa = Issuer.PublishRsa();

        // The key itself is fine: RS256 with it is accepted (after the JWKS is read again for it)...
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while ((await GetAsync(Issuer.Mint(key: rsa, algorithm: "RS256"))).StatusCode != HttpStatusCode.OK)
        {
            await Task.Delay(200, deadline.Token);
        }

        // ...so only the algorithm list can refuse RS512 with the same key.
        using var response = await GetAsync(Issuer.Mint(key: rsa, algorithm: "RS512"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task AfterARotation_TokensSignedWithTheNewKeyAndWithThePreviousOneAreAccepted()
    {
        var before = Issuer.Mint();
        using (var first = await GetAsync(before))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        Issuer.Rotate();
        var after = Issuer.Mint();

        // The first token naming the new key prompts the service to read the JWKS again (at most once a second here).
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            using var withNewKey = await GetAsync(after);
            if (withNewKey.StatusCode == HttpStatusCode.OK)
            {
                break;
            }

            Assert.Equal(HttpStatusCode.Unauthorized, withNewKey.StatusCode);
            await Task.Delay(200, deadline.Token);
        }

        using var withPreviousKey = await GetAsync(before);
        Assert.Equal(HttpStatusCode.OK, withPreviousKey.StatusCode);
    }

    [Fact]
    public async Task ACertificateBoundToken_IsAcceptedOnlyWithItsCertificate()
    {
        using var bound = SelfSignedClientCertificate();
        using var other = SelfSignedClientCertificate();
        var token = Issuer.Mint(claims: new Dictionary<string, object>
        {
            [CertificateBinding.ConfirmationClaim] = new Dictionary<string, object> { [CertificateBinding.ThumbprintMember] = CertificateBinding.Thumbprint(bound) },
        });

        using var withIt = await GetAsync(token, bound);
        using var withoutAny = await GetAsync(token);
        using var withAnother = await GetAsync(token, other);

        Assert.Equal(HttpStatusCode.OK, withIt.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withoutAny.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withAnother.StatusCode);
        Assert.Contains("invalid_token", withAnother.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AConfirmationThatBindsToNothingCheckable_IsRefused()
    {
        var token = Issuer.Mint(claims: new Dictionary<string, object> { [CertificateBinding.ConfirmationClaim] = new Dictionary<string, object> { ["jkt"] = "abc" } });

        using var response = await GetAsync(token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task AConfirmationAsAnArray_IsRefused_EvenWithTheCertificateItNames()
    {
        using var bound = SelfSignedClientCertificate();
        var binding = new Dictionary<string, object> { [CertificateBinding.ThumbprintMember] = CertificateBinding.Thumbprint(bound) };

        using var asList = await GetAsync(Issuer.Mint(claims: new Dictionary<string, object> { [CertificateBinding.ConfirmationClaim] = new object[] { binding } }), bound);
        using var empty = await GetAsync(Issuer.Mint(claims: new Dictionary<string, object> { [CertificateBinding.ConfirmationClaim] = Array.Empty<object>() }));

        Assert.Equal(HttpStatusCode.Unauthorized, asList.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, empty.StatusCode);
    }

    [Fact]
    public async Task ARevokedToken_IsRefused_AndOthersAreNot()
    {
        var revokedId = Guid.NewGuid().ToString("N");
        _revoked.Add(revokedId);

        using var revoked = await GetAsync(Issuer.Mint(claims: new Dictionary<string, object> { ["jti"] = revokedId }));
        using var fine = await GetAsync(Issuer.Mint());

        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
    }

    [Theory]
    [InlineData("user/Condition.rs")]
    [InlineData("user/Condition.r")]
    [InlineData("user/Condition.read")]
    [InlineData("user/*.cruds")]
    [InlineData("openid user/Observation.rs system/Condition.rs")]
    public async Task AScopeReachingTheResource_IsEnough(string scope)
    {
        using var response = await GetAsync(Issuer.Mint(claims: new Dictionary<string, object> { ["scope"] = scope }), path: "/fhir/Condition/c-1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("user/Observation.rs")]
    [InlineData("user/Condition.s")]
    [InlineData("user/Condition.cud")]
    [InlineData("user/Condition.rs?category=problem-list-item")]
    [InlineData("user/Condition.sr")]
    [InlineData("openid launch/patient")]
    public async Task AScopeThatDoesNotReachIt_Is403InsufficientScope(string scope)
    {
        using var response = await GetAsync(Issuer.Mint(claims: new Dictionary<string, object> { ["scope"] = scope }), path: "/fhir/Condition/c-1");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Equal("error=\"insufficient_scope\", scope=\"user/Condition.r\"", challenge.Parameter);
    }

    [Fact]
    public async Task ScopesSentAsAJsonArray_AreReadToo()
    {
        using var response = await GetAsync(Issuer.Mint(claims: new Dictionary<string, object> { ["scope"] = ScopeList }), path: "/fhir/Condition/c-1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task APatientScope_CountsOnlyWithThePatientLaunchContext()
    {
        using var without = await GetAsync(Issuer.Mint(claims: new Dictionary<string, object> { ["scope"] = "patient/Condition.rs" }), path: "/fhir/Condition/c-1");
        using var with = await GetAsync(Issuer.Mint(claims: new Dictionary<string, object> { ["scope"] = "patient/Condition.rs", ["patient"] = "patient-42" }), path: "/fhir/Condition/c-1");

        Assert.Equal(HttpStatusCode.Forbidden, without.StatusCode);
        Assert.Equal(HttpStatusCode.OK, with.StatusCode);
    }

    [Fact]
    public async Task AWildcardScope_DoesNotReachTheAuditLog_ButANamedOneDoes()
    {
        using var wildcard = await GetAsync(Issuer.Mint(audience: "records", claims: new Dictionary<string, object> { ["scope"] = "user/*.cruds" }), path: "/fhir/AuditEvent");
        using var named = await GetAsync(Issuer.Mint(claims: new Dictionary<string, object> { ["scope"] = "user/AuditEvent.rs" }), path: "/fhir/AuditEvent");

        Assert.Equal(HttpStatusCode.Forbidden, wildcard.StatusCode);
        Assert.Equal(HttpStatusCode.OK, named.StatusCode);
    }

    [Fact]
    public async Task ABackendClientWithoutTheScope_IsToldTheSystemScopeItNeeds()
    {
        var token = Issuer.Mint(
            claims: new Dictionary<string, object> { ["sub"] = "backend-job", ["client_id"] = "backend-job", ["scope"] = "system/Observation.rs" },
            without: ["fhirUser"]);

        using var response = await GetAsync(token, path: "/fhir/Condition/c-1");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("error=\"insufficient_scope\", scope=\"system/Condition.r\"", Assert.Single(response.Headers.WwwAuthenticate).Parameter);
    }

    private static X509Certificate2 SelfSignedClientCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=third-party-app", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    private async Task<HttpResponseMessage> GetAsync(string? token, X509Certificate2? clientCertificate = null, string? path = null)
    {
        using var client = _pki.CreateClient(clientCertificate);
        using var request = new HttpRequestMessage(HttpMethod.Get, path is null ? Observations : new Uri(_records.Public, path));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await client.SendAsync(request);
    }

    private sealed class RevokedTokens : IAccessTokenRevocations
    {
        private readonly HashSet<string> _ids = [];

        public void Add(string tokenId)
        {
            lock (_ids)
            {
                _ids.Add(tokenId);
            }
        }

        public ValueTask<bool> IsRevokedAsync(AccessTokenDescriptor token, CancellationToken cancellationToken)
        {
            lock (_ids)
            {
                return ValueTask.FromResult(token.TokenId is not null && _ids.Contains(token.TokenId));
            }
        }
    }
}
