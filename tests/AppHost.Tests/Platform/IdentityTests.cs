using System.Text.Json;
using Aspire.Hosting.Testing;
using HealthPlatform.ServiceDefaults;

namespace HealthPlatform.AppHost.Tests.Platform;

/// <summary>The running identity service publishes its discovery document and signing keys.</summary>
[Collection(PlatformGroup.Name)]
public sealed class IdentityTests(PlatformFixture fixture) : IDisposable
{
    private readonly PlatformClient _clients = new(fixture.Platform);

    [Fact]
    public async Task Discovery_NamesThePublicEndpointAsIssuer_AndTheJwksHoldsPublicKeysOnly()
    {
        var identity = fixture.Platform.App.GetEndpoint(ResourceNames.Identity, ResourceNames.Endpoints.Public);
        using var client = _clients.Create();

        using var discovery = JsonDocument.Parse(await client.GetStringAsync(new Uri(identity, "/.well-known/openid-configuration")));
        using var keys = JsonDocument.Parse(await client.GetStringAsync(new Uri(discovery.RootElement.GetProperty("jwks_uri").GetString()!)));

        Assert.Equal(new Uri(identity, "/").AbsoluteUri, discovery.RootElement.GetProperty("issuer").GetString());
        Assert.Contains("client_credentials", discovery.RootElement.GetProperty("grant_types_supported").EnumerateArray().Select(e => e.GetString()));
        var published = keys.RootElement.GetProperty("keys").EnumerateArray().ToList();
        Assert.NotEmpty(published);
        Assert.All(published, key => Assert.False(key.TryGetProperty("d", out _)));
    }

    [Fact]
    public async Task TheMtlsListener_IsAdvertised_AndAnswersTokenRequestsOnlyWithAClientCertificate()
    {
        var identity = fixture.Platform.App.GetEndpoint(ResourceNames.Identity, ResourceNames.Endpoints.Public);
        var mtls = fixture.Platform.App.GetEndpoint(ResourceNames.Identity, ResourceNames.Endpoints.Mtls);
        using var client = _clients.Create();
        using var discovery = JsonDocument.Parse(await client.GetStringAsync(new Uri(identity, "/.well-known/openid-configuration")));
        var alias = new Uri(discovery.RootElement.GetProperty("mtls_endpoint_aliases").GetProperty("token_endpoint").GetString()!);
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "records-service",
            ["scope"] = "system/Consent.rs",
        });

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.PostAsync(alias, form));
        using var certificate = _clients.Certificate(ResourceNames.Records);
        using var withCertificate = _clients.Create(certificate);
        using var response = await withCertificate.PostAsync(alias, form);

        // The seeded demo client (Development) authenticates with the dev PKI's records certificate.
        Assert.Equal(new Uri(mtls, "/connect/token"), alias);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var token = JsonDocument.Parse(body);
        var payload = token.RootElement.GetProperty("access_token").GetString()!.Split('.')[1];
        using var claims = JsonDocument.Parse(Convert.FromBase64String(payload.Replace('-', '+').Replace('_', '/').PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=')));
        Assert.True(claims.RootElement.GetProperty("cnf").TryGetProperty("x5t#S256", out _));
    }

    public void Dispose() => _clients.Dispose();
}
