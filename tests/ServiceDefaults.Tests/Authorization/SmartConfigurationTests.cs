using System.Text.Json;
using HealthPlatform.ServiceDefaults.Authorization.Smart;

namespace HealthPlatform.ServiceDefaults.Tests.Authorization;

public sealed class SmartConfigurationTests
{
    [Fact]
    public void TheDocument_NamesTheIdentityEndpointsAndWhatSmartClientsLookFor()
    {
        var document = JsonDocument.Parse(JsonSerializer.Serialize(SmartConfiguration.For(new Uri("https://localhost:5001/"), new Uri("https://localhost:5011/")))).RootElement;

        Assert.Equal("https://localhost:5001/", document.GetProperty("issuer").GetString());
        Assert.Equal("https://localhost:5001/connect/token", document.GetProperty("token_endpoint").GetString());
        Assert.Equal("https://localhost:5001/connect/authorize", document.GetProperty("authorization_endpoint").GetString());
        Assert.Equal("https://localhost:5001/.well-known/jwks", document.GetProperty("jwks_uri").GetString());
        Assert.Equal("https://localhost:5011/connect/token", document.GetProperty("mtls_endpoint_aliases").GetProperty("token_endpoint").GetString());
        Assert.Equal(["S256"], Strings(document, "code_challenge_methods_supported"));
        var capabilities = Strings(document, "capabilities");
        foreach (var capability in new[]
        {
            "permission-v1", "permission-v2", "client-confidential-asymmetric", "client-confidential-symmetric",
            "launch-standalone", "context-standalone-patient", "permission-patient", "permission-user",
        })
        {
            Assert.Contains(capability, capabilities);
        }

        Assert.DoesNotContain("implicit", Strings(document, "grant_types_supported"));
        Assert.DoesNotContain("password", Strings(document, "grant_types_supported"));
    }

    [Fact]
    public void AnIssuerWithAPath_KeepsIt_AndNoAliasesAreListedWithoutAnMtlsBase()
    {
        var configuration = SmartConfiguration.For(new Uri("https://auth.hospital.example/identity"));

        Assert.Equal("https://auth.hospital.example/identity/connect/token", configuration.TokenEndpoint);
        Assert.Null(configuration.MtlsEndpointAliases);
        Assert.DoesNotContain("mtls_endpoint_aliases", JsonSerializer.Serialize(configuration), StringComparison.Ordinal);
    }

    private static List<string> Strings(JsonElement document, string name) =>
        [.. document.GetProperty(name).EnumerateArray().Select(element => element.GetString()!)];
}
