using System.Net;
using System.Text.Json;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.Authorization.Smart;
using HealthPlatform.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HealthPlatform.Identity.Tests.Server;

/// <summary>
/// SMART standalone launch by a patient app: authorization code with PKCE (S256 only), the SMART
/// <c>aud</c> check, the launch context, refresh rotation with reuse detection, userinfo,
/// introspection and end-session — through a real login page and a browser that keeps cookies.
/// </summary>
[Collection(IdentityInfrastructure.Name)]
public sealed class AuthorizationCodeTests(PostgresServerFixture postgres, RedisServerFixture redis, RabbitMqServerFixture broker) : IAsyncLifetime, IDisposable
{
    private const string PublicClient = "portal-test";
    private const string ConfidentialClient = "ehr-test";
    private const string ConfidentialSecret = "ehr-test-secret-0123456789abcdef";
    private const string PatientUser = "patient.test";
    private const string Password = "Correct-Horse-Battery-9";
    private const string PatientId = "pat-4711";
    private const string Scope = "openid fhirUser profile launch/patient patient/Observation.rs offline_access";

    private static readonly Uri RedirectUri = new("https://portal.example/callback");
    private static readonly Uri SignedOutUri = new("https://portal.example/signed-out");

    private readonly AuditQueueProbe _audit = new(broker);
    private IdentityServerHost _host = null!;
    private Browser _browser = null!;

    public async Task InitializeAsync()
    {
        _host = await IdentityServerHost.StartAsync(postgres, redis, broker);
        _browser = new Browser(_host);
        foreach (var (clientId, secret) in new[] { (PublicClient, (string?)null), (ConfidentialClient, ConfidentialSecret) })
        {
            var client = new OpenIddictApplicationDescriptor
            {
                ClientId = clientId,
                ClientSecret = secret,
                ClientType = secret is null ? ClientTypes.Public : ClientTypes.Confidential,
                RedirectUris = { RedirectUri },
                PostLogoutRedirectUris = { SignedOutUri },
                Permissions =
                {
                    Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.Endpoints.EndSession,
                    Permissions.GrantTypes.AuthorizationCode, Permissions.GrantTypes.RefreshToken, Permissions.ResponseTypes.Code,
                },
            };
            if (secret is not null)
            {
                client.Permissions.Add(Permissions.Endpoints.Introspection);
                client.Permissions.Add(Permissions.Endpoints.Revocation);
            }

            foreach (var scope in Scope.Split(' '))
            {
                client.Permissions.Add(Permissions.Prefixes.Scope + scope);
            }

            await _host.RegisterAsync(client);
        }

        await _host.CreateUserAsync(PatientUser, Password, PatientId, fhirUser: "Patient/" + PatientId, role: "patient");
        await _host.CreateUserAsync("nobody.test", Password);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    public void Dispose() => _browser?.Dispose();

    [Fact]
    public async Task APatientSignsIn_AndTheAppGetsTokensForTheirOwnRecord()
    {
        await _audit.PurgeAsync();
        var (verifier, challenge) = Browser.Pkce();

        var code = await SignInForCodeAsync(challenge);
        using var response = await RedeemAsync(code, verifier);
        var body = await BodyAsync(response);

        Assert.Equal(PatientId, body.GetProperty("patient").GetString());
        Assert.Equal(Scope.Split(' ').Order(), body.GetProperty("scope").GetString()!.Split(' ').Order());
        Assert.True(body.TryGetProperty("refresh_token", out _));
        var accessToken = new JsonWebToken(body.GetProperty("access_token").GetString());
        Assert.Equal(["records"], accessToken.Audiences);
        Assert.Equal(PatientId, accessToken.GetClaim("patient").Value);
        Assert.Equal("Patient/" + PatientId, accessToken.GetClaim("fhirUser").Value);
        Assert.Equal("pwd", accessToken.GetClaim("amr").Value);
        Assert.Equal("patient", accessToken.GetClaim("role").Value);
        Assert.Equal(PublicClient, accessToken.GetClaim("client_id").Value);
        var idToken = new JsonWebToken(body.GetProperty("id_token").GetString());
        Assert.Equal(accessToken.Subject, idToken.Subject);
        Assert.Equal("Patient/" + PatientId, idToken.GetClaim("fhirUser").Value);

        using var records = await _host.CallRecordsAsync(accessToken.EncodedToken);
        Assert.Equal(HttpStatusCode.OK, records.StatusCode);
        var signIn = await _audit.WaitForAsync<SecurityEventRecorded>(recorded => recorded.Kind == SecurityEventKind.AuthenticationSucceeded);
        Assert.Equal(accessToken.Subject, signIn.Actor.UserId);
        var issued = await _audit.WaitForAsync<SecurityEventRecorded>(recorded => recorded.Kind == SecurityEventKind.TokenIssued);
        Assert.Equal(accessToken.Id, issued.TokenId);
    }

    [Fact]
    public async Task AWrongCodeVerifier_IsInvalidGrant()
    {
        var code = await SignInForCodeAsync(Browser.Pkce().Challenge);

        using var wrong = await RedeemAsync(code, Browser.Pkce().Verifier);

        Assert.Equal("invalid_grant", await IdentityServerHost.ErrorOfAsync(wrong));
    }

    [Fact]
    public async Task ACodeRedeemedTwice_IsInvalidGrant_AndRevokesWhatTheFirstRedemptionIssued()
    {
        var (verifier, challenge) = Browser.Pkce();
        var code = await SignInForCodeAsync(challenge);
        using var first = await RedeemAsync(code, verifier);
        var refreshToken = (await BodyAsync(first)).GetProperty("refresh_token").GetString()!;

        using var again = await RedeemAsync(code, verifier);
        using var refresh = await RefreshAsync(refreshToken);

        Assert.Equal("invalid_grant", await IdentityServerHost.ErrorOfAsync(again));
        Assert.Equal("invalid_grant", await IdentityServerHost.ErrorOfAsync(refresh));
    }

    [Theory]
    [InlineData("plain")]
    [InlineData(null)]
    public async Task ACodeChallengeThatIsNotS256_IsRefused(string? method)
    {
        var parameters = AuthorizationParameters(Browser.Pkce().Challenge);
        parameters["code_challenge_method"] = method;

        using var response = await _browser.AuthorizeAsync(parameters);

        Assert.Equal("invalid_request", (await Browser.AuthorizationErrorAsync(response, RedirectUri)).Error);
    }

    [Fact]
    public async Task AnAuthorizationRequestWithoutPkce_IsRefused()
    {
        var parameters = AuthorizationParameters(Browser.Pkce().Challenge);
        parameters.Remove("code_challenge");
        parameters.Remove("code_challenge_method");

        using var response = await _browser.AuthorizeAsync(parameters);

        Assert.Equal("invalid_request", (await Browser.AuthorizationErrorAsync(response, RedirectUri)).Error);
    }

    [Theory]
    [InlineData("https://fhir.elsewhere.example/fhir")]
    [InlineData(null)]
    public async Task AnAudThatIsNotOurFhirBase_OrNoAudWithResourceScopes_IsRefused_AndAudited(string? aud)
    {
        await _audit.PurgeAsync();
        var parameters = AuthorizationParameters(Browser.Pkce().Challenge);
        parameters["aud"] = aud;

        using var response = await _browser.AuthorizeAsync(parameters);

        var (error, description) = await Browser.AuthorizationErrorAsync(response, RedirectUri);
        Assert.Equal("invalid_request", error);
        Assert.Contains("aud", description, StringComparison.Ordinal);
        var refused = await _audit.WaitForAsync<SecurityEventRecorded>(recorded => recorded.Kind == SecurityEventKind.TokenRefused);
        Assert.Equal(PublicClient, refused.TargetClientId);
        Assert.Equal(AuditOutcome.Denied, refused.Outcome);
    }

    [Fact]
    public async Task Discovery_OffersS256Only_AndNoImplicitOrPasswordGrant()
    {
        using var document = JsonDocument.Parse(await _browser.Client.GetStringAsync(new Uri(_host.Identity.Public, "/.well-known/openid-configuration")));
        var root = document.RootElement;

        Assert.Equal(["S256"], root.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(method => method.GetString()));
        var grants = root.GetProperty("grant_types_supported").EnumerateArray().Select(grant => grant.GetString()).ToList();
        Assert.Equal(["authorization_code", "client_credentials", "refresh_token"], grants.Order());
        Assert.Equal(["code"], root.GetProperty("response_types_supported").EnumerateArray().Select(type => type.GetString()));
    }

    [Fact]
    public async Task AnUnregisteredRedirectUri_IsRefusedWithoutRedirecting()
    {
        var parameters = AuthorizationParameters(Browser.Pkce().Challenge);
        parameters["redirect_uri"] = "https://attacker.example/callback";

        using var response = await _browser.AuthorizeAsync(parameters);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task AScopeOutsideTheClientsAllowance_IsInvalidScope()
    {
        var parameters = AuthorizationParameters(Browser.Pkce().Challenge);
        parameters["scope"] = "openid user/Observation.rs";

        using var response = await _browser.AuthorizeAsync(parameters);

        Assert.Equal("invalid_scope", (await Browser.AuthorizationErrorAsync(response, RedirectUri)).Error);
    }

    [Fact]
    public async Task AUserWithoutAPatient_CannotLaunchWithPatientScopes()
    {
        using var toLogin = await _browser.AuthorizeAsync(AuthorizationParameters(Browser.Pkce().Challenge));
        using var afterLogin = await _browser.SignInAsync(toLogin, "nobody.test", Password);

        Assert.Equal("access_denied", (await Browser.AuthorizationErrorAsync(afterLogin, RedirectUri)).Error);
    }

    [Fact]
    public async Task AWrongPassword_ShowsTheLoginPageAgain_AndIssuesNothing()
    {
        using var toLogin = await _browser.AuthorizeAsync(AuthorizationParameters(Browser.Pkce().Challenge));

        using var afterLogin = await _browser.SignInAsync(toLogin, PatientUser, "not the password");

        Assert.Equal(HttpStatusCode.OK, afterLogin.StatusCode);
        Assert.Contains("Sign-in failed", await afterLogin.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALoginPostWithoutTheAntiforgeryToken_IsRefused()
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = PatientUser, ["password"] = Password, ["returnUrl"] = "/" });

        using var response = await _browser.Client.PostAsync(new Uri(_host.Identity.Public, "/account/login"), form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task ARefreshTokenRotates_AndReusingAnOldOneRevokesTheWholeFamily()
    {
        var (verifier, challenge) = Browser.Pkce();
        using var first = await RedeemAsync(await SignInForCodeAsync(challenge), verifier);
        var original = (await BodyAsync(first)).GetProperty("refresh_token").GetString()!;

        using var rotated = await RefreshAsync(original);
        var rotatedBody = await BodyAsync(rotated);
        var next = rotatedBody.GetProperty("refresh_token").GetString()!;
        Assert.NotEqual(original, next);
        Assert.Equal(PatientId, rotatedBody.GetProperty("patient").GetString());

        using var reused = await RefreshAsync(original);
        using var afterReuse = await RefreshAsync(next);

        Assert.Equal("invalid_grant", await IdentityServerHost.ErrorOfAsync(reused));
        Assert.Equal("invalid_grant", await IdentityServerHost.ErrorOfAsync(afterReuse));
    }

    [Fact]
    public async Task ARevokedRefreshToken_CannotBeUsed_AndTheRevocationIsAudited()
    {
        var (verifier, challenge) = Browser.Pkce();
        var code = await SignInForCodeAsync(challenge, ConfidentialClient);
        using var tokens = await _host.RequestTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = GrantTypes.AuthorizationCode,
            ["code"] = code,
            ["code_verifier"] = verifier,
            ["redirect_uri"] = RedirectUri.AbsoluteUri,
            ["client_id"] = ConfidentialClient,
            ["client_secret"] = ConfidentialSecret,
        });
        var refreshToken = (await BodyAsync(tokens)).GetProperty("refresh_token").GetString()!;
        await _audit.PurgeAsync();

        using var revoke = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = refreshToken,
            ["token_type_hint"] = "refresh_token",
            ["client_id"] = ConfidentialClient,
            ["client_secret"] = ConfidentialSecret,
        });
        using var revoked = await _browser.Client.PostAsync(IdentityEndpoints.At(_host.Identity.Public, IdentityEndpoints.Revocation), revoke);
        using var refresh = await _host.RequestTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = GrantTypes.RefreshToken,
            ["refresh_token"] = refreshToken,
            ["client_id"] = ConfidentialClient,
            ["client_secret"] = ConfidentialSecret,
        });

        Assert.True(revoked.StatusCode == HttpStatusCode.OK, await revoked.Content.ReadAsStringAsync());
        Assert.Equal("invalid_grant", await IdentityServerHost.ErrorOfAsync(refresh));
        var audited = await _audit.WaitForAsync<SecurityEventRecorded>(recorded => recorded.Kind == SecurityEventKind.TokenRevoked);
        Assert.Equal(ConfidentialClient, audited.Actor.ClientId);
    }

    [Fact]
    public async Task UserInfo_AnswersWhatTheScopesAllow()
    {
        var (verifier, challenge) = Browser.Pkce();
        using var tokens = await RedeemAsync(await SignInForCodeAsync(challenge), verifier);
        var accessToken = (await BodyAsync(tokens)).GetProperty("access_token").GetString()!;

        using var request = new HttpRequestMessage(HttpMethod.Get, IdentityEndpoints.At(_host.Identity.Public, IdentityEndpoints.UserInfo));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await _browser.Client.SendAsync(request);
        var body = await BodyAsync(response);

        Assert.Equal(new JsonWebToken(accessToken).Subject, body.GetProperty("sub").GetString());
        Assert.Equal("Patient/" + PatientId, body.GetProperty("fhirUser").GetString());
        Assert.Equal(PatientUser, body.GetProperty("preferred_username").GetString());
    }

    [Fact]
    public async Task UserInfo_WithoutAToken_Is401()
    {
        using var response = await _browser.Client.GetAsync(IdentityEndpoints.At(_host.Identity.Public, IdentityEndpoints.UserInfo));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Introspection_ShowsThePatientContextToTheClientTheTokenWasIssuedTo()
    {
        var (verifier, challenge) = Browser.Pkce();
        var code = await SignInForCodeAsync(challenge, ConfidentialClient);
        using var tokens = await _host.RequestTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = GrantTypes.AuthorizationCode,
            ["code"] = code,
            ["code_verifier"] = verifier,
            ["redirect_uri"] = RedirectUri.AbsoluteUri,
            ["client_id"] = ConfidentialClient,
            ["client_secret"] = ConfidentialSecret,
        });
        var accessToken = (await BodyAsync(tokens)).GetProperty("access_token").GetString()!;

        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = accessToken,
            ["client_id"] = ConfidentialClient,
            ["client_secret"] = ConfidentialSecret,
        });
        using var response = await _browser.Client.PostAsync(IdentityEndpoints.At(_host.Identity.Public, IdentityEndpoints.Introspection), form);
        var body = await BodyAsync(response);

        Assert.True(body.GetProperty("active").GetBoolean());
        Assert.Equal(PatientId, body.GetProperty("patient").GetString());
    }

    [Fact]
    public async Task EndSession_SignsTheUserOut_AndReturnsToTheRegisteredAddress()
    {
        await SignInForCodeAsync(Browser.Pkce().Challenge);

        using var signedOut = await _browser.GetAsync(new Uri(Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(
            IdentityEndpoints.At(_host.Identity.Public, IdentityEndpoints.EndSession).AbsoluteUri,
            new Dictionary<string, string?> { ["client_id"] = PublicClient, ["post_logout_redirect_uri"] = SignedOutUri.AbsoluteUri, ["state"] = "bye" })));
        using var again = await _browser.AuthorizeAsync(AuthorizationParameters(Browser.Pkce().Challenge));

        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.StartsWith(SignedOutUri.AbsoluteUri, signedOut.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);
        Assert.Equal("/account/login", _browser.Absolute(again.Headers.Location!).AbsolutePath);
    }

    private Dictionary<string, string?> AuthorizationParameters(string challenge, string clientId = PublicClient) => new()
    {
        ["response_type"] = ResponseTypes.Code,
        ["client_id"] = clientId,
        ["redirect_uri"] = RedirectUri.AbsoluteUri,
        ["scope"] = Scope,
        ["state"] = "state-" + Guid.NewGuid().ToString("N"),
        ["aud"] = _host.RecordsFhirBase.AbsoluteUri,
        ["code_challenge"] = challenge,
        ["code_challenge_method"] = CodeChallengeMethods.Sha256,
    };

    private async Task<string> SignInForCodeAsync(string challenge, string clientId = PublicClient)
    {
        var parameters = AuthorizationParameters(challenge, clientId);
        using var toLogin = await _browser.AuthorizeAsync(parameters);
        using var afterLogin = toLogin.StatusCode == HttpStatusCode.Redirect && toLogin.Headers.Location!.AbsolutePath.EndsWith("/account/login", StringComparison.Ordinal)
            ? await _browser.SignInAsync(toLogin, PatientUser, Password)
            : toLogin;
        var callback = Browser.CallbackParameters(afterLogin, RedirectUri);
        Assert.Equal(parameters["state"], callback["state"]);
        return callback["code"];
    }

    private Task<HttpResponseMessage> RedeemAsync(string code, string verifier) =>
        _host.RequestTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = GrantTypes.AuthorizationCode,
            ["code"] = code,
            ["code_verifier"] = verifier,
            ["redirect_uri"] = RedirectUri.AbsoluteUri,
            ["client_id"] = PublicClient,
        });

    private Task<HttpResponseMessage> RefreshAsync(string refreshToken) =>
        _host.RequestTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = GrantTypes.RefreshToken,
            ["refresh_token"] = refreshToken,
            ["client_id"] = PublicClient,
        });

    private static async Task<JsonElement> BodyAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
