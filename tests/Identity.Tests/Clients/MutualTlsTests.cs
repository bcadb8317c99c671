using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using HealthPlatform.Identity.Clients;
using HealthPlatform.Identity.Tests.Server;
using HealthPlatform.LocalInfrastructure;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Authorization.Tokens;
using HealthPlatform.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HealthPlatform.Identity.Tests.Clients;

/// <summary>
/// mTLS client authentication on the mTLS listener (RFC 8705): <c>tls_client_auth</c> with a
/// platform certificate, <c>self_signed_tls_client_auth</c> with a registered self-signed one,
/// and the certificate-bound tokens they get, used at another service with and without the certificate.
/// </summary>
[Collection(IdentityInfrastructure.Name)]
public sealed class MutualTlsTests(PostgresServerFixture postgres, RedisServerFixture redis, RabbitMqServerFixture broker) : IAsyncLifetime, IDisposable
{
    private const string PkiClient = "records-service-test";
    private const string SelfSignedClient = "self-signed-app";
    private const string Scope = "system/Observation.rs";

    private readonly X509Certificate2 _selfSigned = ClientKeys.SelfSigned(SelfSignedClient);
    private IdentityServerHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await IdentityServerHost.StartAsync(postgres, redis, broker);
        await _host.RegisterAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = PkiClient,
            ClientType = ClientTypes.Confidential,
            JsonWebKeySet = new JsonWebKeySet { Keys = { ClientKeys.CertificateJwk(_host.Pki.Certificate(ResourceNames.Records)) } },
            Settings = { [ClientSettings.TlsClientAuthSanUri] = DevelopmentPki.SpiffeId(ResourceNames.Records).AbsoluteUri },
            Permissions = { Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials, Permissions.Prefixes.Scope + Scope },
        });
        await _host.RegisterAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = SelfSignedClient,
            ClientType = ClientTypes.Confidential,
            JsonWebKeySet = new JsonWebKeySet { Keys = { ClientKeys.CertificateJwk(_selfSigned) } },
            Permissions = { Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials, Permissions.Prefixes.Scope + Scope },
        });
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    public void Dispose() => _selfSigned.Dispose();

    [Fact]
    public async Task APlatformCertificate_GetsATokenBoundToIt_ThatAnotherServiceAcceptsOnlyWithThatCertificate()
    {
        var certificate = _host.Pki.Certificate(ResourceNames.Records);

        using var response = await RequestTokenAsync(PkiClient, certificate);
        var accessToken = await IdentityServerHost.AccessTokenOfAsync(response);

        Assert.Equal(CertificateBinding.Thumbprint(certificate), BoundThumbprint(accessToken));
        using (var withIt = await _host.CallRecordsAsync(accessToken, certificate))
        {
            Assert.Equal(HttpStatusCode.OK, withIt.StatusCode);
        }

        using (var withoutIt = await _host.CallRecordsAsync(accessToken))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, withoutIt.StatusCode);
        }

        using var withAnother = await _host.CallRecordsAsync(accessToken, _host.Pki.Certificate(ResourceNames.Consent));
        Assert.Equal(HttpStatusCode.Unauthorized, withAnother.StatusCode);
    }

    [Fact]
    public async Task APlatformCertificateOfAnotherService_IsInvalidClient()
    {
        using var response = await RequestTokenAsync(PkiClient, _host.Pki.Certificate(ResourceNames.Consent));

        Assert.Equal("invalid_client", await IdentityServerHost.ErrorOfAsync(response));
    }

    [Fact]
    public async Task ASelfSignedCertificate_DoesNotAuthenticateAPlatformClient()
    {
        using var response = await RequestTokenAsync(PkiClient, _selfSigned);

        Assert.Equal("invalid_client", await IdentityServerHost.ErrorOfAsync(response));
    }

    [Fact]
    public async Task TheRegisteredSelfSignedCertificate_GetsATokenBoundToIt()
    {
        using var response = await RequestTokenAsync(SelfSignedClient, _selfSigned);
        var accessToken = await IdentityServerHost.AccessTokenOfAsync(response);

        Assert.Equal(CertificateBinding.Thumbprint(_selfSigned), BoundThumbprint(accessToken));
        using var withIt = await _host.CallRecordsAsync(accessToken, _selfSigned);
        Assert.Equal(HttpStatusCode.OK, withIt.StatusCode);
        using var withoutIt = await _host.CallRecordsAsync(accessToken);
        Assert.Equal(HttpStatusCode.Unauthorized, withoutIt.StatusCode);
    }

    [Fact]
    public async Task AnotherSelfSignedCertificate_IsInvalidClient()
    {
        using var other = ClientKeys.SelfSigned(SelfSignedClient);

        using var response = await RequestTokenAsync(SelfSignedClient, other);

        Assert.Equal("invalid_client", await IdentityServerHost.ErrorOfAsync(response));
    }

    [Fact]
    public async Task OnThePublicListener_ACertificateNeitherAuthenticatesNorBinds()
    {
        var certificate = _host.Pki.Certificate(ResourceNames.Records);
        using var client = _host.Pki.CreateClient(certificate);
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = GrantTypes.ClientCredentials,
            ["client_id"] = PkiClient,
            ["scope"] = Scope,
        });

        using var response = await client.PostAsync(_host.TokenEndpoint, form);

        Assert.Equal("invalid_client", await IdentityServerHost.ErrorOfAsync(response));
    }

    [Theory]
    [InlineData("/CONNECT/TOKEN")]
    [InlineData("/connect/token/")]
    public async Task TheMtlsListener_AnswersOtherSpellingsOfItsPaths_AsTheTokenEndpoint(string path)
    {
        using var client = _host.Pki.CreateClient(_host.Pki.Certificate(ResourceNames.Records));
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = GrantTypes.ClientCredentials, ["client_id"] = PkiClient, ["scope"] = Scope });

        using var response = await client.PostAsync(new Uri(_host.Identity.Mtls, path), form);

        // The listener's path check is as lenient as OpenIddict's own matching: it is the token endpoint.
        Assert.NotNull(BoundThumbprint(await IdentityServerHost.AccessTokenOfAsync(response)));
    }

    [Fact]
    public async Task TheMtlsListener_RefusesAConnectionWithoutACertificate()
    {
        using var client = _host.Pki.CreateClient();
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = GrantTypes.ClientCredentials, ["client_id"] = PkiClient });

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.PostAsync(_host.MtlsTokenEndpoint, form));
    }

    [Fact]
    public async Task TheMtlsListener_ServesOnlyTheTokenEndpointAliases()
    {
        using var client = _host.Pki.CreateClient(_host.Pki.Certificate(ResourceNames.Records));

        foreach (var path in new[] { "/.well-known/openid-configuration", "/.well-known/jwks", "/health", "/account/login", "/connect/authorize", "/connect/userinfo" })
        {
            using var response = await client.GetAsync(new Uri(_host.Identity.Mtls, path));
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path}: {(int)response.StatusCode}");
        }
    }

    private Task<HttpResponseMessage> RequestTokenAsync(string clientId, X509Certificate2 certificate) =>
        _host.RequestTokenAsync(
            new Dictionary<string, string> { ["grant_type"] = GrantTypes.ClientCredentials, ["client_id"] = clientId, ["scope"] = Scope },
            certificate);

    private static string? BoundThumbprint(string accessToken) =>
        new JsonWebToken(accessToken).TryGetPayloadValue<JsonElement>(CertificateBinding.ConfirmationClaim, out var confirmation)
            ? CertificateBinding.BoundThumbprint(confirmation)
            : null;
}
