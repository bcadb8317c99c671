using System.Net;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.Identity.Tests.Server;
using HealthPlatform.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HealthPlatform.Identity.Tests.Clients;

/// <summary>SMART Backend Services: client credentials authenticated with a signed assertion (<c>private_key_jwt</c>).</summary>
[Collection(IdentityInfrastructure.Name)]
public sealed class PrivateKeyJwtTests(PostgresServerFixture postgres, RedisServerFixture redis, RabbitMqServerFixture broker) : IAsyncLifetime
{
    private const string ClientId = "backend-job-test";
    private const string Scope = "system/Observation.rs";

    private readonly ECDsaSecurityKey _es384 = ClientKeys.EcKey(System.Security.Cryptography.ECCurve.NamedCurves.nistP384);
    private readonly ECDsaSecurityKey _es256 = ClientKeys.EcKey(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
    private readonly RsaSecurityKey _rs384 = ClientKeys.RsaKey();
    private readonly AuditQueueProbe _audit = new(broker);
    private IdentityServerHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await IdentityServerHost.StartAsync(postgres, redis, broker);
        await _host.RegisterAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = ClientId,
            ClientType = ClientTypes.Confidential,
            JsonWebKeySet = new JsonWebKeySet { Keys = { ClientKeys.PublicJwk(_es384), ClientKeys.PublicJwk(_rs384), ClientKeys.PublicJwk(_es256) } },
            Permissions = { Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials, Permissions.Prefixes.Scope + "system/Observation.rs" },
        });
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task AnEs384AssertionForTheTokenEndpoint_GetsATokenThatAnotherServiceAccepts_AndIsAudited()
    {
        await _audit.PurgeAsync();

        using var response = await RequestTokenAsync(ClientKeys.Assertion(_es384, SecurityAlgorithms.EcdsaSha384, ClientId, _host.TokenEndpoint));
        var accessToken = await IdentityServerHost.AccessTokenOfAsync(response);

        var token = new JsonWebToken(accessToken);
        Assert.Equal(ClientId, token.Subject);
        using var records = await _host.CallRecordsAsync(accessToken);
        Assert.Equal(HttpStatusCode.OK, records.StatusCode);
        var issued = await _audit.WaitForAsync<SecurityEventRecorded>(recorded => recorded.Kind == SecurityEventKind.TokenIssued);
        Assert.Equal(ClientId, issued.TargetClientId);
        Assert.Equal(ClientId, issued.Actor.ClientId);
        Assert.Equal(token.Id, issued.TokenId);
        Assert.Equal(AuditOutcome.Success, issued.Outcome);
        Assert.Equal(new DateTimeOffset(token.ValidTo, TimeSpan.Zero), issued.ValidUntil);
    }

    [Fact]
    public async Task AnRs384AssertionTypedClientAuthentication_ForTheIssuer_IsAccepted()
    {
        using var response = await RequestTokenAsync(ClientKeys.Assertion(
            _rs384, SecurityAlgorithms.RsaSha384, ClientId, _host.Identity.Public, tokenType: "client-authentication+jwt"));

        Assert.Equal(ClientId, new JsonWebToken(await IdentityServerHost.AccessTokenOfAsync(response)).Subject);
    }

    [Theory]
    [InlineData("jwt")]
    [InlineData("application/client-authentication+jwt")]
    public async Task AnAssertionTypedAsSmartClientsDo_ForTheMtlsTokenUrl_IsAccepted(string tokenType)
    {
        using var response = await RequestTokenAsync(ClientKeys.Assertion(
            _es384, SecurityAlgorithms.EcdsaSha384, ClientId, _host.MtlsTokenEndpoint, tokenType: tokenType));

        Assert.Equal(ClientId, new JsonWebToken(await IdentityServerHost.AccessTokenOfAsync(response)).Subject);
    }

    [Fact]
    public async Task TheSameJti_FromTwoClients_IsNotAReplay()
    {
        var other = ClientKeys.EcKey(System.Security.Cryptography.ECCurve.NamedCurves.nistP384);
        await _host.RegisterAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = "backend-job-other",
            ClientType = ClientTypes.Confidential,
            JsonWebKeySet = new JsonWebKeySet { Keys = { ClientKeys.PublicJwk(other) } },
            Permissions = { Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials, Permissions.Prefixes.Scope + Scope },
        });
        const string SharedJti = "batch-2026-11-28";

        using var first = await RequestTokenAsync(ClientKeys.Assertion(_es384, SecurityAlgorithms.EcdsaSha384, ClientId, _host.TokenEndpoint, jwtId: SharedJti));
        using var second = await RequestTokenAsync(ClientKeys.Assertion(other, SecurityAlgorithms.EcdsaSha384, "backend-job-other", _host.TokenEndpoint, jwtId: SharedJti));

        await IdentityServerHost.AccessTokenOfAsync(first);
        await IdentityServerHost.AccessTokenOfAsync(second);
    }

    [Fact]
    public async Task AnAssertionCarryingOpenIddictsPrivateExpiry_IsRefused() =>
        await AssertRefusedAsync(ClientKeys.Assertion(
            _es384, SecurityAlgorithms.EcdsaSha384, ClientId, _host.TokenEndpoint,
            extraClaims: new Dictionary<string, object> { ["oi_exp_dt"] = DateTimeOffset.UtcNow.AddDays(1).ToString("r", System.Globalization.CultureInfo.InvariantCulture) }));

    [Fact]
    public async Task AnAssertionWhoseIssuerIsNotTheClient_IsInvalidClient() =>
        await AssertRefusedAsync(ClientKeys.Assertion(_es384, SecurityAlgorithms.EcdsaSha384, ClientId, _host.TokenEndpoint, issuer: "someone-else"));

    [Fact]
    public async Task AReplayedAssertion_IsInvalidClient_AndAudited()
    {
        var assertion = ClientKeys.Assertion(_es384, SecurityAlgorithms.EcdsaSha384, ClientId, _host.TokenEndpoint);
        using var first = await RequestTokenAsync(assertion);
        await IdentityServerHost.AccessTokenOfAsync(first);
        await _audit.PurgeAsync();

        using var replayed = await RequestTokenAsync(assertion);

        Assert.Equal("invalid_client", await IdentityServerHost.ErrorOfAsync(replayed));
        var failed = await _audit.WaitForAsync<SecurityEventRecorded>(recorded => recorded.Kind == SecurityEventKind.AuthenticationFailed);
        Assert.Equal(ClientId, failed.TargetClientId);
        Assert.Equal(AuditOutcome.Denied, failed.Outcome);
        Assert.Null(failed.TokenId);
    }

    [Fact]
    public async Task AnAssertionExpiringMoreThanFiveMinutesAhead_IsRefused() =>
        await AssertRefusedAsync(ClientKeys.Assertion(_es384, SecurityAlgorithms.EcdsaSha384, ClientId, _host.TokenEndpoint, lifetime: TimeSpan.FromMinutes(6)));

    [Fact]
    public async Task AnAssertionWithoutJti_IsRefused() =>
        await AssertRefusedAsync(ClientKeys.Assertion(_es384, SecurityAlgorithms.EcdsaSha384, ClientId, _host.TokenEndpoint, jwtId: null));

    [Fact]
    public async Task AnAssertionSignedWithEs256_IsRefused_OnlyRs384AndEs384Are() =>
        await AssertRefusedAsync(ClientKeys.Assertion(_es256, SecurityAlgorithms.EcdsaSha256, ClientId, _host.TokenEndpoint));

    [Fact]
    public async Task AnAssertionForAnotherAudience_IsRefused() =>
        await AssertRefusedAsync(ClientKeys.Assertion(_es384, SecurityAlgorithms.EcdsaSha384, ClientId, _host.Records.Public));

    [Fact]
    public async Task AnAssertionSignedWithAnUnregisteredKey_IsRefused() =>
        await AssertRefusedAsync(ClientKeys.Assertion(
            ClientKeys.EcKey(System.Security.Cryptography.ECCurve.NamedCurves.nistP384), SecurityAlgorithms.EcdsaSha384, ClientId, _host.TokenEndpoint));

    [Fact]
    public async Task AnAssertionOfAnUnknownClient_IsInvalidClient()
    {
        using var response = await _host.RequestTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = GrantTypes.ClientCredentials,
            ["client_id"] = "nobody",
            ["client_assertion_type"] = ClientAssertionTypes.JwtBearer,
            ["client_assertion"] = ClientKeys.Assertion(_es384, SecurityAlgorithms.EcdsaSha384, "nobody", _host.TokenEndpoint),
            ["scope"] = Scope,
        });

        Assert.Equal("invalid_client", await IdentityServerHost.ErrorOfAsync(response));
    }

    [Fact]
    public async Task WhileRedisIsDown_AssertionsAreRefused_NotLetThroughUnchecked()
    {
        await redis.StopAsync();
        try
        {
            using var response = await RequestTokenAsync(ClientKeys.Assertion(_es384, SecurityAlgorithms.EcdsaSha384, ClientId, _host.TokenEndpoint));

            Assert.Equal("server_error", await IdentityServerHost.ErrorOfAsync(response));
        }
        finally
        {
            await redis.StartAsync();
        }
    }

    private async Task AssertRefusedAsync(string assertion)
    {
        using var response = await RequestTokenAsync(assertion);

        // RFC 6749 §5.2: invalid_client, with 400 or (as OpenIddict answers) 401.
        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.BadRequest, HttpStatusCode.Unauthorized });
        Assert.Equal("invalid_client", await IdentityServerHost.ErrorOfAsync(response));
    }

    private Task<HttpResponseMessage> RequestTokenAsync(string assertion) =>
        _host.RequestTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = GrantTypes.ClientCredentials,
            ["client_assertion_type"] = ClientAssertionTypes.JwtBearer,
            ["client_assertion"] = assertion,
            ["scope"] = Scope,
        });
}
