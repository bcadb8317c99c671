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

    public void Dispose() => _clients.Dispose();
}
