using System.Diagnostics;
using System.Net;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.Identity.Infrastructure;
using HealthPlatform.Identity.Revocations;
using HealthPlatform.Identity.Tests.Server;
using HealthPlatform.ServiceDefaults.Authorization;
using HealthPlatform.ServiceDefaults.Authorization.Smart;
using HealthPlatform.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenIddict.Abstractions;
using Xunit.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HealthPlatform.Identity.Tests.Revocation;

/// <summary>
/// Containment across the platform: a revoked token, or everything of a client or a user, is
/// refused by every running instance of another service — through the event each instance gets on
/// its own queue (their periodic re-read is set to an hour here, so only the event can do it) — and
/// by an instance started after the revocation, from the durable list.
/// </summary>
[Collection(IdentityInfrastructure.Name)]
public sealed class RevocationTests(PostgresServerFixture postgres, RedisServerFixture redis, RabbitMqServerFixture broker, ITestOutputHelper output) : IAsyncLifetime
{
    private const string Client = "job-test";
    private const string Secret = "job-test-secret-0123456789abcdef";

    /// <summary>Only the event may deliver a revocation during a test.</summary>
    private static readonly Dictionary<string, string?> EventsOnly = new() { ["Revocations:ResynchronizeInterval"] = "01:00:00" };

    private readonly AuditQueueProbe _audit = new(broker);
    private IdentityServerHost _host = null!;
    private ServiceHost _first = null!;
    private ServiceHost _second = null!;

    public async Task InitializeAsync()
    {
        _host = await IdentityServerHost.StartAsync(postgres, redis, broker);
        await _host.RegisterAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = Client,
            ClientSecret = Secret,
            ClientType = ClientTypes.Confidential,
            Permissions =
            {
                Permissions.Endpoints.Token, Permissions.Endpoints.Revocation, Permissions.GrantTypes.ClientCredentials,
                Permissions.Prefixes.Scope + "system/Observation.rs",
            },
        });
        _first = await _host.StartRecordsInstanceAsync(EventsOnly);
        _second = await _host.StartRecordsInstanceAsync(EventsOnly);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task ARevokedAccessToken_IsRefusedByBothRunningInstances_AndByOneStartedAfterwards()
    {
        var revoked = await TokenAsync();
        var kept = await TokenAsync();
        await AssertAcceptedAsync(revoked, _first, _second);

        using var revocation = await RevokeAsync(revoked);
        var clock = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.OK, revocation.StatusCode);

        await AssertRefusedByAsync(revoked, clock, _first, _second);
        await AssertAcceptedAsync(kept, _first, _second);

        var later = await _host.StartRecordsInstanceAsync(EventsOnly);
        using var first = await _host.CallRecordsAsync(revoked, instance: later);
        Assert.Equal(HttpStatusCode.Unauthorized, first.StatusCode);
        await AssertAcceptedAsync(kept, later);
    }

    [Fact]
    public async Task RevokingEverythingOfAClient_RefusesItsTokensEverywhere_ButNotTokensIssuedAfterwards()
    {
        var before = await TokenAsync();
        await AssertAcceptedAsync(before, _first, _second);
        await _audit.PurgeAsync();

        await using (var scope = _host.Services.CreateAsyncScope())
        {
            var revocations = scope.ServiceProvider.GetRequiredService<AccessRevocations>();
            var revoked = await revocations.RevokeClientAsync(Client, new AuditActor { UserId = "admin-7" }, "Client secret leaked in a build log", CancellationToken.None);
            var clock = Stopwatch.StartNew();
            await AssertRefusedByAsync(before, clock, _first, _second);

            // iat has whole seconds: a token issued in the second of the revocation counts as before it.
            var wait = TimeSpan.FromSeconds(1) - TimeSpan.FromTicks(revoked.RevokedAt.UtcTicks % TimeSpan.TicksPerSecond) + TimeSpan.FromMilliseconds(50);
            await Task.Delay(wait);
        }

        var after = await TokenAsync();
        await AssertAcceptedAsync(after, _first, _second);
        var audited = await _audit.WaitForAsync<SecurityEventRecorded>(recorded => recorded.Kind == SecurityEventKind.AccessRevoked);
        Assert.Equal(Client, audited.TargetClientId);
        Assert.Equal("admin-7", audited.Actor.UserId);
        Assert.Equal("Client secret leaked in a build log", audited.Reason);
    }

    [Fact]
    public async Task RevokingEverythingOfAUser_RefusesTheirAccessTokensEverywhere_AndKillsTheirRefreshToken()
    {
        const string Password = "Correct-Horse-Battery-9";
        var redirectUri = new Uri("https://app.example/callback");
        await _host.RegisterAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = "app-test",
            ClientType = ClientTypes.Public,
            RedirectUris = { redirectUri },
            Permissions =
            {
                Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.GrantTypes.AuthorizationCode,
                Permissions.GrantTypes.RefreshToken, Permissions.ResponseTypes.Code,
                Permissions.Prefixes.Scope + "user/Observation.rs", Permissions.Prefixes.Scope + "offline_access",
            },
        });
        var user = await _host.CreateUserAsync("nurse.revoked", Password, role: PlatformRoles.Nurse);
        using var browser = new Browser(_host);
        var (verifier, challenge) = Browser.Pkce();
        using var toLogin = await browser.AuthorizeAsync(new Dictionary<string, string?>
        {
            ["response_type"] = ResponseTypes.Code,
            ["client_id"] = "app-test",
            ["redirect_uri"] = redirectUri.AbsoluteUri,
            ["scope"] = "user/Observation.rs offline_access",
            ["aud"] = _host.RecordsFhirBase.AbsoluteUri,
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = CodeChallengeMethods.Sha256,
        });
        using var callback = await browser.SignInAsync(toLogin, "nurse.revoked", Password);
        using var tokens = await _host.RequestTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = GrantTypes.AuthorizationCode,
            ["code"] = Browser.CallbackParameters(callback, redirectUri)["code"],
            ["code_verifier"] = verifier,
            ["redirect_uri"] = redirectUri.AbsoluteUri,
            ["client_id"] = "app-test",
        });
        var body = System.Text.Json.JsonDocument.Parse(await tokens.Content.ReadAsStringAsync()).RootElement;
        var accessToken = body.GetProperty("access_token").GetString()!;
        Assert.Equal(user.Id, new JsonWebToken(accessToken).Subject);
        await AssertAcceptedAsync(accessToken, _first, _second);

        await using (var scope = _host.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<AccessRevocations>()
                .RevokeSubjectAsync(user.Id, new AuditActor { UserId = "sec-1" }, "Account compromised", CancellationToken.None);
        }

        await AssertRefusedByAsync(accessToken, Stopwatch.StartNew(), _first, _second);
        using var refresh = await _host.RequestTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = GrantTypes.RefreshToken,
            ["refresh_token"] = body.GetProperty("refresh_token").GetString()!,
            ["client_id"] = "app-test",
        });
        Assert.Equal("invalid_grant", await IdentityServerHost.ErrorOfAsync(refresh));
    }

    [Fact]
    public async Task ARevocationTheBrokerCouldNotTake_IsPublishedByTheRelayOnceTheBrokerIsBack()
    {
        var revoked = await TokenAsync();
        await broker.StopAsync();
        try
        {
            using var revocation = await RevokeAsync(revoked);
            Assert.Equal(HttpStatusCode.OK, revocation.StatusCode);

            // Stored, not published: the relay keeps trying (its publishes time out) without giving up.
            await Task.Delay(TimeSpan.FromSeconds(5));
            Assert.True(await UnpublishedAsync() > 0);
        }
        finally
        {
            await broker.StartAsync();
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await UnpublishedAsync() > 0)
        {
            await Task.Delay(200, deadline.Token);
        }
    }

    /// <summary>The client revokes its own access token at the revocation endpoint (RFC 7009).</summary>
    private async Task<HttpResponseMessage> RevokeAsync(string accessToken)
    {
        using var content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = accessToken,
            ["token_type_hint"] = TokenTypeHints.AccessToken,
            ["client_id"] = Client,
            ["client_secret"] = Secret,
        });
        using var client = _host.Pki.CreateClient();
        return await client.PostAsync(IdentityEndpoints.At(_host.Identity.Public, IdentityEndpoints.Revocation), content);
    }

    private async Task<int> UnpublishedAsync()
    {
        await using var scope = _host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IdentityDbContext>().AccessRevocations.CountAsync(record => record.PublishedAt == null);
    }

    private async Task<string> TokenAsync()
    {
        using var response = await _host.RequestTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = GrantTypes.ClientCredentials,
            ["client_id"] = Client,
            ["client_secret"] = Secret,
            ["scope"] = "system/Observation.rs",
        });
        return await IdentityServerHost.AccessTokenOfAsync(response);
    }

    private async Task AssertAcceptedAsync(string token, params ServiceHost[] instances)
    {
        foreach (var instance in instances)
        {
            using var response = await _host.CallRecordsAsync(token, instance: instance);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    /// <summary>Polls each instance until it refuses <paramref name="token"/> (bounded); reports how long each took.</summary>
    private async Task AssertRefusedByAsync(string token, Stopwatch clock, params ServiceHost[] instances)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        foreach (var instance in instances)
        {
            while (true)
            {
                using var response = await _host.CallRecordsAsync(token, instance: instance);
                if (response.StatusCode == HttpStatusCode.Unauthorized)
                {
                    break;
                }

                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                await Task.Delay(10, deadline.Token);
            }

            output.WriteLine($"Instance on port {instance.PublicPort} refused the token {clock.ElapsedMilliseconds} ms after the revocation.");
        }
    }
}
