using System.Net;
using Duende.IdentityModel;
using Duende.IdentityModel.Client;
using HealthPlatform.Identity.Clients;
using HealthPlatform.Identity.Tests.Server;
using HealthPlatform.LocalInfrastructure;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.Testing;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HealthPlatform.Identity.Tests.Clients;

/// <summary>
/// An unmodified OIDC client library (Duende.IdentityModel) against the identity service:
/// discovery with its default validation, then client credentials with <c>private_key_jwt</c>
/// and with mTLS on the advertised mTLS alias.
/// </summary>
[Collection(IdentityInfrastructure.Name)]
public sealed class OidcClientLibraryTests(PostgresServerFixture postgres, RedisServerFixture redis, RabbitMqServerFixture broker) : IAsyncLifetime
{
    private const string KeyClient = "library-key-client";
    private const string CertificateClient = "library-certificate-client";
    private const string Scope = "system/Observation.rs";

    private readonly ECDsaSecurityKey _key = ClientKeys.EcKey(System.Security.Cryptography.ECCurve.NamedCurves.nistP384);
    private IdentityServerHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await IdentityServerHost.StartAsync(postgres, redis, broker);
        await _host.RegisterAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = KeyClient,
            ClientType = ClientTypes.Confidential,
            JsonWebKeySet = new JsonWebKeySet { Keys = { ClientKeys.PublicJwk(_key) } },
            Permissions = { Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials, Permissions.Prefixes.Scope + Scope },
        });
        await _host.RegisterAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = CertificateClient,
            ClientType = ClientTypes.Confidential,
            JsonWebKeySet = new JsonWebKeySet { Keys = { ClientKeys.CertificateJwk(_host.Pki.Certificate(ResourceNames.Records)) } },
            Settings = { [ClientSettings.TlsClientAuthSanUri] = DevelopmentPki.SpiffeId(ResourceNames.Records).AbsoluteUri },
            Permissions = { Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials, Permissions.Prefixes.Scope + Scope },
        });
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task ClientCredentialsWithPrivateKeyJwt_Succeeds_AndAReplayIsInvalidClient()
    {
        using var http = _host.Pki.CreateClient();
        var discovery = await DiscoverAsync(http);
        var assertion = new ClientAssertion
        {
            Type = OidcConstants.ClientAssertionTypes.JwtBearer,
            Value = ClientKeys.Assertion(_key, SecurityAlgorithms.EcdsaSha384, KeyClient, new Uri(discovery.TokenEndpoint!)),
        };

        var token = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = discovery.TokenEndpoint,
            ClientId = KeyClient,
            ClientAssertion = assertion,
            ClientCredentialStyle = ClientCredentialStyle.PostBody,
            Scope = Scope,
        });
        var replayed = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = discovery.TokenEndpoint,
            ClientId = KeyClient,
            ClientAssertion = assertion,
            ClientCredentialStyle = ClientCredentialStyle.PostBody,
            Scope = Scope,
        });

        Assert.False(token.IsError, token.Error);
        Assert.Equal(Scope, token.Scope);
        using var records = await _host.CallRecordsAsync(token.AccessToken!);
        Assert.Equal(HttpStatusCode.OK, records.StatusCode);
        Assert.True(replayed.IsError);
        // OpenIddict answers invalid_client with 401 (RFC 6749 §5.2 allows it), which the library reports as an HTTP error with the OAuth body.
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.HttpStatusCode);
        Assert.Equal(OidcConstants.TokenErrors.InvalidClient, replayed.Json?.GetProperty("error").GetString());
    }

    [Fact]
    public async Task ClientCredentialsWithMutualTls_OnTheAdvertisedAlias_GetsACertificateBoundToken()
    {
        var certificate = _host.Pki.Certificate(ResourceNames.Records);
        using var http = _host.Pki.CreateClient(certificate);
        var discovery = await DiscoverAsync(http);
        var alias = discovery.MtlsEndpointAliases?.TokenEndpoint;

        var token = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = alias,
            ClientId = CertificateClient,
            ClientCredentialStyle = ClientCredentialStyle.PostBody,
            Scope = Scope,
        });

        Assert.False(token.IsError, token.Error);
        Assert.Equal(_host.MtlsTokenEndpoint.AbsoluteUri, alias);
        using var withCertificate = await _host.CallRecordsAsync(token.AccessToken!, certificate);
        Assert.Equal(HttpStatusCode.OK, withCertificate.StatusCode);
        using var withoutCertificate = await _host.CallRecordsAsync(token.AccessToken!);
        Assert.Equal(HttpStatusCode.Unauthorized, withoutCertificate.StatusCode);
    }

    private async Task<DiscoveryDocumentResponse> DiscoverAsync(HttpClient http)
    {
        var discovery = await http.GetDiscoveryDocumentAsync(new DiscoveryDocumentRequest
        {
            Address = _host.Identity.Public.AbsoluteUri,
            // The mTLS aliases live on their own port (RFC 8705 §5); every other endpoint is checked against the issuer.
            Policy = { AdditionalEndpointBaseAddresses = { _host.Identity.Mtls.AbsoluteUri } },
        });
        Assert.False(discovery.IsError, discovery.Error);
        return discovery;
    }
}
