using System.Net;
using System.Text.Json;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.Identity.Infrastructure;
using HealthPlatform.Identity.Tests.Server;
using HealthPlatform.Identity.Users;
using HealthPlatform.ServiceDefaults.Authorization;
using HealthPlatform.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenIddict.Abstractions;
using OtpNet;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HealthPlatform.Identity.Tests.Users;

/// <summary>
/// Sign-in with a second factor, driven through the real pages by a browser that fills in forms:
/// enrolment at an admin's first sign-in, authenticator codes (each usable once), recovery codes
/// (each usable once), lockout, cross-site posts, and the second-factor secrets at rest.
/// </summary>
[Collection(IdentityInfrastructure.Name)]
public sealed class MultiFactorTests(PostgresServerFixture postgres, RedisServerFixture redis, RabbitMqServerFixture broker) : IAsyncLifetime, IDisposable
{
    private const string Client = "console-test";
    private const string Password = "Correct-Horse-Battery-9";
    private const string Scope = "openid profile user/Observation.rs";

    private static readonly Uri RedirectUri = new("https://console.example/callback");

    private readonly AuditQueueProbe _audit = new(broker);
    private IdentityServerHost _host = null!;
    private Browser _browser = null!;

    public async Task InitializeAsync()
    {
        _host = await IdentityServerHost.StartAsync(postgres, redis, broker);
        _browser = new Browser(_host);
        var client = new OpenIddictApplicationDescriptor
        {
            ClientId = Client,
            ClientType = ClientTypes.Public,
            RedirectUris = { RedirectUri },
            Permissions =
            {
                Permissions.Endpoints.Authorization, Permissions.Endpoints.Token,
                Permissions.GrantTypes.AuthorizationCode, Permissions.ResponseTypes.Code,
            },
        };
        foreach (var scope in Scope.Split(' '))
        {
            client.Permissions.Add(Permissions.Prefixes.Scope + scope);
        }

        await _host.RegisterAsync(client);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    public void Dispose() => _browser?.Dispose();

    [Fact]
    public async Task AnAdminsFirstSignIn_EnrolsAnAuthenticator_AndTheirTokenSaysMfa()
    {
        await _host.CreateUserAsync("admin.first", Password, role: PlatformRoles.Admin);
        await _audit.PurgeAsync();
        var (verifier, challenge) = Browser.Pkce();

        using var toLogin = await _browser.AuthorizeAsync(AuthorizationParameters(challenge));
        using var toEnrolment = await _browser.SignInAsync(toLogin, "admin.first", Password);
        Assert.Equal(HttpStatusCode.Redirect, toEnrolment.StatusCode);
        Assert.Equal(MfaEnrolmentEndpoints.EnrolPath, _browser.Absolute(toEnrolment.Headers.Location!).AbsolutePath);
        using var enrolment = await _browser.FollowAllAsync(toEnrolment);
        var page = await enrolment.Content.ReadAsStringAsync();
        Assert.Contains("data:image/png;base64,", page, StringComparison.Ordinal);
        var key = Browser.ElementText(page, "authenticator-key").Replace(" ", string.Empty, StringComparison.Ordinal);

        using var enrolled = await _browser.SubmitFormAsync(enrolment, new Dictionary<string, string> { ["code"] = CodeOf(key) });
        var done = await enrolled.Content.ReadAsStringAsync();
        Assert.True(enrolled.StatusCode == HttpStatusCode.OK && done.Contains("Authenticator enrolled", StringComparison.Ordinal), done);
        Assert.Equal(MfaEnrolmentEndpoints.RecoveryCodeCount, RecoveryCodesOn(done).Count);
        using var callback = await _browser.GetAsync(_browser.Absolute(new Uri(Browser.Links(done)[^1], UriKind.Relative)));
        var token = await RedeemAsync(Browser.CallbackParameters(callback, RedirectUri)["code"], verifier);

        Assert.Equal(["pwd", "otp", "mfa"], token.GetPayloadValue<string[]>("amr"));
        Assert.Equal(PlatformRoles.Admin, token.GetClaim("role").Value);
        var enrolledEvent = await _audit.WaitForAsync<SecurityEventRecorded>(recorded => recorded.Kind == SecurityEventKind.MfaEnrolled);
        Assert.Equal(token.Subject, enrolledEvent.Actor.UserId);
    }

    [Fact]
    public async Task AnEnrolledUser_EntersACodeAfterThePassword_AWrongOneIsRefused_AndNoCodeWorksTwice()
    {
        var user = await _host.CreateUserAsync("sec.code", Password, role: PlatformRoles.SecurityOfficer);
        var (key, _) = await _host.EnrolAuthenticatorAsync(user);
        await _audit.PurgeAsync();
        var code = CodeOf(key);
        var (verifier, challenge) = Browser.Pkce();

        using var codePage = await SignInWithPasswordAsync(_browser, challenge, "sec.code");
        using var wrong = await _browser.SubmitFormAsync(codePage, new Dictionary<string, string> { ["code"] = code == "000000" ? "111111" : "000000" });
        Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        Assert.Contains("role=\"alert\"", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var failed = await _audit.WaitForAsync<SecurityEventRecorded>(recorded => recorded.Kind == SecurityEventKind.MfaFailed);
        Assert.Equal(user.Id, failed.Actor.UserId);

        // The right number spelled differently ("0" in front) is no six-digit code: refused, and the code stays unused.
        using var respelled = await _browser.SubmitFormAsync(wrong, new Dictionary<string, string> { ["code"] = "0" + code });
        Assert.Contains("That code was not accepted", await respelled.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var callback = await _browser.SubmitFormAsync(respelled, new Dictionary<string, string> { ["code"] = code });
        var token = await RedeemAsync(Browser.CallbackParameters(callback, RedirectUri)["code"], verifier);
        Assert.Contains("mfa", token.GetPayloadValue<string[]>("amr"));
        Assert.Equal(PlatformRoles.SecurityOfficer, token.GetClaim("role").Value);

        // The same code again, from another browser inside its 30-second window: refused.
        using var other = new Browser(_host);
        using var secondPage = await SignInWithPasswordAsync(other, Browser.Pkce().Challenge, "sec.code");
        using var replayed = await other.SubmitFormAsync(secondPage, new Dictionary<string, string> { ["code"] = code });
        Assert.Equal(HttpStatusCode.OK, replayed.StatusCode);
        Assert.Contains("That code was not accepted", await replayed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARecoveryCode_SignsInOnce()
    {
        var user = await _host.CreateUserAsync("admin.recovery", Password, role: PlatformRoles.Admin);
        var (_, recoveryCodes) = await _host.EnrolAuthenticatorAsync(user);
        await _audit.PurgeAsync();

        using var first = await RecoveryPageAsync(_browser, "admin.recovery");
        using var callback = await _browser.SubmitFormAsync(first, new Dictionary<string, string> { ["code"] = recoveryCodes[0].ToLowerInvariant() });
        Assert.True(Browser.CallbackParameters(callback, RedirectUri).ContainsKey("code"));
        await _audit.WaitForAsync<SecurityEventRecorded>(recorded => recorded.Kind == SecurityEventKind.RecoveryCodeUsed && recorded.Actor.UserId == user.Id);

        using var other = new Browser(_host);
        using var second = await RecoveryPageAsync(other, "admin.recovery");
        using var reused = await other.SubmitFormAsync(second, new Dictionary<string, string> { ["code"] = recoveryCodes[0] });
        Assert.Equal(HttpStatusCode.OK, reused.StatusCode);
        Assert.Contains("That code was not accepted", await reused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await _audit.WaitForAsync<SecurityEventRecorded>(recorded => recorded.Kind == SecurityEventKind.MfaFailed && recorded.Actor.UserId == user.Id);

        using var next = await other.SubmitFormAsync(reused, new Dictionary<string, string> { ["code"] = recoveryCodes[1] });
        Assert.True(Browser.CallbackParameters(next, RedirectUri).ContainsKey("code"));
    }

    [Fact]
    public async Task FiveWrongCodes_LockTheAccountOut_AndThenEvenTheRightCodeIsRefused()
    {
        var user = await _host.CreateUserAsync("admin.locked", Password, role: PlatformRoles.Admin);
        var (key, _) = await _host.EnrolAuthenticatorAsync(user);
        await _audit.PurgeAsync();
        var right = CodeOf(key);
        var wrongCode = right == "000000" ? "111111" : "000000";

        var page = await SignInWithPasswordAsync(_browser, Browser.Pkce().Challenge, "admin.locked");
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var next = await _browser.SubmitFormAsync(page, new Dictionary<string, string> { ["code"] = wrongCode });
            page.Dispose();
            page = next;
        }

        await _audit.WaitForAsync<SecurityEventRecorded>(recorded => recorded.Kind == SecurityEventKind.AccountLockedOut && recorded.Actor.UserId == user.Id);
        Assert.Contains("Sign-in failed", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        page.Dispose();

        using var otherBrowser = new Browser(_host);
        using var again = await SignInWithPasswordAsync(otherBrowser, Browser.Pkce().Challenge, "admin.locked", expectCodePage: false);
        Assert.Contains("Sign-in failed", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASecondStepPostedWithoutTheAntiforgeryToken_IsRefused_AndChangesNothing()
    {
        var user = await _host.CreateUserAsync("admin.csrf", Password, role: PlatformRoles.Admin);
        var (key, _) = await _host.EnrolAuthenticatorAsync(user);
        using var codePage = await SignInWithPasswordAsync(_browser, Browser.Pkce().Challenge, "admin.csrf");

        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["code"] = "000000", ["returnUrl"] = "/" });
        using var forged = await _browser.Client.PostAsync(new Uri(_host.Identity.Public, LoginEndpoints.MfaPath), form);

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        await using var scope = _host.Services.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<UserManager<PlatformUser>>().FindByIdAsync(user.Id);
        Assert.Equal(0, stored!.AccessFailedCount);

        // The real form still works afterwards.
        using var callback = await _browser.SubmitFormAsync(codePage, new Dictionary<string, string> { ["code"] = CodeOf(key) });
        Assert.True(Browser.CallbackParameters(callback, RedirectUri).ContainsKey("code"));
    }

    [Fact]
    public async Task AReturnUrlToAnotherSite_IsNotFollowed()
    {
        var user = await _host.CreateUserAsync("admin.redirect", Password, role: PlatformRoles.Admin);
        var (key, _) = await _host.EnrolAuthenticatorAsync(user);
        using var codePage = await SignInWithPasswordAsync(_browser, Browser.Pkce().Challenge, "admin.redirect");

        using var signedIn = await _browser.SubmitFormAsync(codePage, new Dictionary<string, string> { ["code"] = CodeOf(key), ["returnUrl"] = "https://evil.example/steal" });

        // Redirected to this service's root, never to the other site.
        Assert.Equal(_host.Identity.Public.Authority, signedIn.RequestMessage!.RequestUri!.Authority);
        Assert.Equal("/", signedIn.RequestMessage.RequestUri.AbsolutePath);
    }

    [Fact]
    public async Task SecondFactorSecrets_AndTheKeyRing_AreNotStoredInTheClear()
    {
        var user = await _host.CreateUserAsync("admin.rest", Password, role: PlatformRoles.Admin);
        var (key, recoveryCodes) = await _host.EnrolAuthenticatorAsync(user);
        using var codePage = await SignInWithPasswordAsync(_browser, Browser.Pkce().Challenge, "admin.rest"); // creates the key ring if not yet there

        await using var scope = _host.Services.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<IdentityDbContext>();
        var tokens = await database.UserTokens.AsNoTracking().Where(token => token.UserId == user.Id).ToListAsync();
        var stored = string.Join("\n", tokens.Select(token => token.Value));
        Assert.Equal(2, tokens.Count);
        Assert.DoesNotContain(key, stored, StringComparison.OrdinalIgnoreCase);
        Assert.All(recoveryCodes, code => Assert.DoesNotContain(code, stored, StringComparison.OrdinalIgnoreCase));

        var ring = await database.DataProtectionKeys.AsNoTracking().ToListAsync();
        Assert.NotEmpty(ring);
        Assert.All(ring, entry =>
        {
            Assert.Contains("<encryptedKey", entry.Xml, StringComparison.Ordinal);
            Assert.DoesNotContain("<masterKey", entry.Xml, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task AnIdleSession_TimesOut()
    {
        await using var host = await IdentityServerHost.StartAsync(postgres, redis, broker, settings: _ => new Dictionary<string, string?>
        {
            ["Identity:Accounts:IdleTimeout"] = "00:00:02",
        });
        await host.RegisterAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = Client,
            ClientType = ClientTypes.Public,
            RedirectUris = { RedirectUri },
            Permissions =
            {
                Permissions.Endpoints.Authorization, Permissions.GrantTypes.AuthorizationCode, Permissions.ResponseTypes.Code,
                Permissions.Prefixes.Scope + "openid",
            },
        });
        await host.CreateUserAsync("nurse.idle", Password, role: PlatformRoles.Nurse);
        using var browser = new Browser(host);
        var parameters = new Dictionary<string, string?>
        {
            ["response_type"] = ResponseTypes.Code,
            ["client_id"] = Client,
            ["redirect_uri"] = RedirectUri.AbsoluteUri,
            ["scope"] = "openid",
            ["code_challenge"] = Browser.Pkce().Challenge,
            ["code_challenge_method"] = CodeChallengeMethods.Sha256,
        };
        using var toLogin = await browser.AuthorizeAsync(parameters);
        using var signedIn = await browser.SignInAsync(toLogin, "nurse.idle", Password);
        Assert.True(Browser.CallbackParameters(signedIn, RedirectUri).ContainsKey("code"));

        await Task.Delay(TimeSpan.FromSeconds(3));
        using var later = await browser.AuthorizeAsync(parameters);

        Assert.Equal(HttpStatusCode.Redirect, later.StatusCode);
        Assert.Equal(UserAccountExtensions.LoginPath, browser.Absolute(later.Headers.Location!).AbsolutePath);
    }

    private static string CodeOf(string key) => new Totp(Base32Encoding.ToBytes(key)).ComputeTotp(DateTime.UtcNow);

    private static List<string> RecoveryCodesOn(string html) =>
        [.. System.Text.RegularExpressions.Regex.Matches(html, "<li><code>([^<]+)</code></li>").Select(match => match.Groups[1].Value)];

    /// <summary>Opens the authorization endpoint and signs in with the password; answers the page that follows (the code page).</summary>
    private async Task<HttpResponseMessage> SignInWithPasswordAsync(Browser browser, string challenge, string userName, bool expectCodePage = true)
    {
        using var toLogin = await browser.AuthorizeAsync(AuthorizationParameters(challenge));
        var page = await browser.SignInAsync(toLogin, userName, Password);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        if (expectCodePage)
        {
            Assert.Equal(LoginEndpoints.MfaPath, page.RequestMessage!.RequestUri!.AbsolutePath);
        }

        return page;
    }

    private async Task<HttpResponseMessage> RecoveryPageAsync(Browser browser, string userName)
    {
        using var codePage = await SignInWithPasswordAsync(browser, Browser.Pkce().Challenge, userName);
        var link = Browser.Links(await codePage.Content.ReadAsStringAsync()).Single(href => href.StartsWith(LoginEndpoints.RecoveryPath, StringComparison.Ordinal));
        return await browser.GetAsync(browser.Absolute(new Uri(link, UriKind.Relative)));
    }

    private Dictionary<string, string?> AuthorizationParameters(string challenge) => new()
    {
        ["response_type"] = ResponseTypes.Code,
        ["client_id"] = Client,
        ["redirect_uri"] = RedirectUri.AbsoluteUri,
        ["scope"] = Scope,
        ["state"] = "state-" + Guid.NewGuid().ToString("N"),
        ["aud"] = _host.RecordsFhirBase.AbsoluteUri,
        ["code_challenge"] = challenge,
        ["code_challenge_method"] = CodeChallengeMethods.Sha256,
    };

    private async Task<JsonWebToken> RedeemAsync(string code, string verifier)
    {
        using var response = await _host.RequestTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = GrantTypes.AuthorizationCode,
            ["code"] = code,
            ["code_verifier"] = verifier,
            ["redirect_uri"] = RedirectUri.AbsoluteUri,
            ["client_id"] = Client,
        });
        return new JsonWebToken(await IdentityServerHost.AccessTokenOfAsync(response));
    }
}
