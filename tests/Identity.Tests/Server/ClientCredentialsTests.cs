using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using HealthPlatform.Identity.SigningKeys;
using HealthPlatform.ServiceDefaults.Authorization.Smart;
using HealthPlatform.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HealthPlatform.Identity.Tests.Server;

/// <summary>Client credentials with a client secret, and what every token carries.</summary>
[Collection(IdentityInfrastructure.Name)]
public sealed class ClientCredentialsTests(PostgresServerFixture postgres, RedisServerFixture redis, RabbitMqServerFixture broker) : IAsyncLifetime
{
    private const string ClientId = "backend-test";
    private static readonly string ClientSecret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private IdentityServerHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await IdentityServerHost.StartAsync(postgres, redis, broker);
        await _host.RegisterAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = ClientId,
            ClientSecret = ClientSecret,
            ClientType = ClientTypes.Confidential,
            Permissions = { Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials, Permissions.Prefixes.Scope + "system/*.rs" },
        });
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task AClientWithItsSecret_GetsAnAccessTokenThatAnotherServiceAccepts()
    {
        using var tokenResponse = await RequestTokenAsync(ClientSecret, "system/Observation.rs");
        var accessToken = await IdentityServerHost.AccessTokenOfAsync(tokenResponse);

        using var body = JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync());
        Assert.Equal("system/Observation.rs", body.RootElement.GetProperty("scope").GetString());
        Assert.Equal("Bearer", body.RootElement.GetProperty("token_type").GetString());
        var token = new JsonWebToken(accessToken);
        Assert.Equal("at+jwt", token.Typ);
        Assert.Equal("ES256", token.Alg);
        Assert.Equal(["records"], token.Audiences);
        Assert.Equal(ClientId, token.Subject);
        Assert.False(token.TryGetPayloadValue<JsonElement>("cnf", out _), "A token issued without a client certificate is not bound to one.");

        using var response = await _host.CallRecordsAsync(accessToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"\"{ClientId}\"", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AWrongSecret_IsInvalidClient_AndNothingIsIssued()
    {
        using var response = await RequestTokenAsync("not-the-secret", "system/Observation.rs");

        Assert.Equal("invalid_client", await IdentityServerHost.ErrorOfAsync(response));
    }

    [Theory]
    [InlineData("system/Observation.sr")]
    [InlineData("system/Observation.c")]
    [InlineData("user/Observation.rs")]
    [InlineData("system/AuditEvent.rs")]
    [InlineData("")]
    public async Task AScopeThatDoesNotParseOrIsNotAllowed_IsInvalidScope(string scope)
    {
        using var response = await RequestTokenAsync(ClientSecret, scope);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_scope", await IdentityServerHost.ErrorOfAsync(response));
    }

    [Fact]
    public async Task AfterTheKeyRingChanges_NewTokensAreSignedWithTheNewKey_WithoutARestart()
    {
        var cache = _host.Services.GetRequiredService<SigningKeyCache>();
        var previous = cache.Current!;
        var now = DateTimeOffset.UtcNow;
        var next = new SigningKey(new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = "rotated-" + Guid.NewGuid().ToString("N") }, now, now.AddDays(30));

        cache.Update(new SigningKeySet(next, [.. previous.Published, next]));

        using var tokenResponse = await RequestTokenAsync(ClientSecret, "system/Observation.rs");
        var accessToken = await IdentityServerHost.AccessTokenOfAsync(tokenResponse);
        Assert.Equal(next.KeyId, new JsonWebToken(accessToken).Kid);
        using var client = _host.Pki.CreateClient();
        var jwks = await client.GetStringAsync(IdentityEndpoints.At(_host.Identity.Public, IdentityEndpoints.Jwks));
        Assert.Contains(next.KeyId, jwks, StringComparison.Ordinal);
        Assert.Contains(previous.Signing.KeyId, jwks, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discovery_NamesTheIssuerEndpointsMtlsAliasesAndKeys()
    {
        using var client = _host.Pki.CreateClient();
        using var document = JsonDocument.Parse(await client.GetStringAsync(new Uri(_host.Identity.Public, "/.well-known/openid-configuration")));
        var root = document.RootElement;

        Assert.Equal(_host.Identity.Public.AbsoluteUri, root.GetProperty("issuer").GetString());
        Assert.Equal(_host.TokenEndpoint.AbsoluteUri, root.GetProperty("token_endpoint").GetString());
        Assert.Equal(_host.MtlsTokenEndpoint.AbsoluteUri, root.GetProperty("mtls_endpoint_aliases").GetProperty("token_endpoint").GetString());
        Assert.True(root.GetProperty("tls_client_certificate_bound_access_tokens").GetBoolean());
        var methods = root.GetProperty("token_endpoint_auth_methods_supported").EnumerateArray().Select(method => method.GetString()).ToList();
        Assert.Contains("private_key_jwt", methods);
        Assert.Contains("tls_client_auth", methods);
        Assert.Contains("self_signed_tls_client_auth", methods);
        using var keys = JsonDocument.Parse(await client.GetStringAsync(new Uri(root.GetProperty("jwks_uri").GetString()!)));
        Assert.NotEmpty(keys.RootElement.GetProperty("keys").EnumerateArray());
        Assert.All(keys.RootElement.GetProperty("keys").EnumerateArray(), key => Assert.False(key.TryGetProperty("d", out _)));
    }

    private Task<HttpResponseMessage> RequestTokenAsync(string secret, string scope) =>
        _host.RequestTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = GrantTypes.ClientCredentials,
            ["client_id"] = ClientId,
            ["client_secret"] = secret,
            ["scope"] = scope,
        });
}
