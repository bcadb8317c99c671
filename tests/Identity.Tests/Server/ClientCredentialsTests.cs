using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using HealthPlatform.Identity.Extensions;
using HealthPlatform.Identity.SigningKeys;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Authorization.Smart;
using HealthPlatform.ServiceDefaults.Authorization.Tokens;
using HealthPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HealthPlatform.Identity.Tests.Server;

/// <summary>
/// The identity service as it runs (its database, Redis, RabbitMQ, real TLS), issuing tokens by
/// client credentials, and another service accepting them with the platform's token validation.
/// </summary>
[Collection(IdentityInfrastructure.Name)]
public sealed class ClientCredentialsTests(PostgresServerFixture postgres, RedisServerFixture redis, RabbitMqServerFixture broker) : IAsyncLifetime, IDisposable
{
    private const string ClientId = "backend-test";
    private static readonly string ClientSecret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private readonly TestPki _pki = new("identity", "records");
    private readonly List<WebApplication> _apps = [];
    private ServiceHost? _identity;
    private ServiceHost? _records;

    public async Task InitializeAsync()
    {
        _identity = new ServiceHost(_pki, "identity");
        var builder = _identity.CreateBuilder(new Dictionary<string, string?>
        {
            ["ConnectionStrings:identitydb"] = await postgres.CreateDatabaseAsync(),
            ["ConnectionStrings:redis"] = redis.ConnectionString,
            ["ConnectionStrings:messaging"] = broker.ConnectionString,
            ["Identity:Issuer"] = _identity.Public.AbsoluteUri,
            ["Identity:SigningKeys:ProtectionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["RateLimiting:Policies:strict:PermitLimit"] = "1000",
        });
        builder.AddIdentityServices();
        var identity = builder.Build();
        identity.MapDefaultEndpoints();
        await identity.StartAsync();
        _apps.Add(identity);
        await WaitUntilReadyAsync(_identity);

        await using (var scope = identity.Services.CreateAsyncScope())
        {
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            await applications.CreateAsync(new OpenIddictApplicationDescriptor
            {
                ClientId = ClientId,
                ClientSecret = ClientSecret,
                ClientType = ClientTypes.Confidential,
                Permissions = { Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials, Permissions.Prefixes.Scope + "system/*.rs" },
            });
        }

        _records = new ServiceHost(_pki, "records");
        var recordsBuilder = _records.CreateBuilder(new Dictionary<string, string?> { ["TokenValidation:Authority"] = _identity.Public.AbsoluteUri });
        recordsBuilder.AddPlatformTokenValidation();
        var records = recordsBuilder.Build();
        records.MapDefaultEndpoints();
        records.MapGet("/fhir/Observation", (HttpContext context) => TypedResults.Ok(context.User.FindFirst("sub")?.Value)).RequireSmartScope("Observation", SmartPermissions.Search);
        await records.StartAsync();
        _apps.Add(records);
    }

    public async Task DisposeAsync()
    {
        foreach (var app in Enumerable.Reverse(_apps))
        {
            await app.DisposeAsync();
        }
    }

    public void Dispose() => _pki.Dispose();

    [Fact]
    public async Task AClientWithItsSecret_GetsAnAccessTokenThatAnotherServiceAccepts()
    {
        using var tokenResponse = await RequestTokenAsync(ClientSecret, "system/Observation.rs");
        var body = await tokenResponse.Content.ReadAsStringAsync();
        Assert.True(tokenResponse.StatusCode == HttpStatusCode.OK, body);
        var accessToken = JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;

        var token = new JsonWebToken(accessToken);
        Assert.Equal("at+jwt", token.Typ);
        Assert.Equal("ES256", token.Alg);
        Assert.Equal(["records"], token.Audiences);
        Assert.Equal(ClientId, token.Subject);

        using var client = _pki.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_records!.Public, "/fhir/Observation"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"\"{ClientId}\"", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AWrongSecret_IsInvalidClient_AndNothingIsIssued()
    {
        using var response = await RequestTokenAsync("not-the-secret", "system/Observation.rs");

        Assert.Equal("invalid_client", await ErrorOfAsync(response));
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
        Assert.Equal("invalid_scope", await ErrorOfAsync(response));
    }

    [Fact]
    public async Task AfterTheKeyRingChanges_NewTokensAreSignedWithTheNewKey_WithoutARestart()
    {
        var identity = _apps[0];
        var cache = identity.Services.GetRequiredService<SigningKeyCache>();
        var previous = cache.Current!;
        var now = DateTimeOffset.UtcNow;
        var next = new SigningKey(new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = "rotated-" + Guid.NewGuid().ToString("N") }, now, now.AddDays(30));

        cache.Update(new SigningKeySet(next, [.. previous.Published, next]));

        using var tokenResponse = await RequestTokenAsync(ClientSecret, "system/Observation.rs");
        var accessToken = JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString()!;
        Assert.Equal(next.KeyId, new JsonWebToken(accessToken).Kid);
        using var client = _pki.CreateClient();
        var jwks = await client.GetStringAsync(new Uri(_identity!.Public, "/" + IdentityEndpoints.Jwks));
        Assert.Contains(next.KeyId, jwks, StringComparison.Ordinal);
        Assert.Contains(previous.Signing.KeyId, jwks, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discovery_NamesTheIssuerTokenEndpointAndKeys()
    {
        using var client = _pki.CreateClient();
        using var document = JsonDocument.Parse(await client.GetStringAsync(new Uri(_identity!.Public, "/.well-known/openid-configuration")));

        Assert.Equal(_identity.Public.AbsoluteUri, document.RootElement.GetProperty("issuer").GetString());
        Assert.Equal(new Uri(_identity.Public, IdentityEndpoints.Token).AbsoluteUri, document.RootElement.GetProperty("token_endpoint").GetString());
        using var keys = JsonDocument.Parse(await client.GetStringAsync(new Uri(document.RootElement.GetProperty("jwks_uri").GetString()!)));
        Assert.NotEmpty(keys.RootElement.GetProperty("keys").EnumerateArray());
        Assert.All(keys.RootElement.GetProperty("keys").EnumerateArray(), key => Assert.False(key.TryGetProperty("d", out _)));
    }

    private async Task<HttpResponseMessage> RequestTokenAsync(string secret, string scope)
    {
        using var client = _pki.CreateClient();
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = GrantTypes.ClientCredentials,
            ["client_id"] = ClientId,
            ["client_secret"] = secret,
            ["scope"] = scope,
        });
        return await client.PostAsync(new Uri(_identity!.Public, IdentityEndpoints.Token), form);
    }

    private static async Task<string?> ErrorOfAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString();

    private static async Task WaitUntilReadyAsync(ServiceHost host)
    {
        using var client = new HttpClient();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while ((await client.GetAsync(new Uri(host.Management, "/health"), deadline.Token)).StatusCode != HttpStatusCode.OK)
        {
            await Task.Delay(200, deadline.Token);
        }
    }
}
