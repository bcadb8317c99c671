using System.Net;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.Identity.Clients;
using HealthPlatform.Identity.Server;
using HealthPlatform.ServiceDefaults.Authorization;
using HealthPlatform.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HealthPlatform.Identity.Tests.Server;

/// <summary>
/// The questions the authorization endpoint asks through its pages: which patient a clinician
/// launches with, and whether the user lets a third-party app in — answered as a person would,
/// refused when forged or nonsensical.
/// </summary>
[Collection(IdentityInfrastructure.Name)]
public sealed class InteractionTests(PostgresServerFixture postgres, RedisServerFixture redis, RabbitMqServerFixture broker) : IAsyncLifetime, IDisposable
{
    private const string Password = "Correct-Horse-Battery-9";
    private const string EhrClient = "ehr-picker-test";
    private const string ThirdPartyClient = "third-party-test";

    private static readonly Uri RedirectUri = new("https://apps.example/callback");

    private readonly AuditQueueProbe _audit = new(broker);
    private IdentityServerHost _host = null!;
    private Browser _browser = null!;

    public async Task InitializeAsync()
    {
        _host = await IdentityServerHost.StartAsync(postgres, redis, broker);
        _browser = new Browser(_host);
        await _host.RegisterAsync(Client(EhrClient, "openid launch/patient patient/Observation.rs"));
        var thirdParty = Client(ThirdPartyClient, "openid profile launch/patient");
        thirdParty.Settings[ClientSettings.ThirdParty] = "true";
        thirdParty.DisplayName = "Step Counter Deluxe";
        await _host.RegisterAsync(thirdParty);
        await _host.CreateUserAsync("nurse.picker", Password, role: PlatformRoles.Nurse);
        await _host.CreateUserAsync("billing.picker", Password, role: PlatformRoles.Billing);
        await _host.CreateUserAsync("patient.known", Password, "pat-4711", role: PlatformRoles.Patient);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    public void Dispose() => _browser?.Dispose();

    [Fact]
    public async Task ANurse_PicksAPatient_AndTheTokenIsForThatPatient()
    {
        var (verifier, challenge) = Browser.Pkce();
        using var picker = await SignInAsync(EhrClient, "openid launch/patient patient/Observation.rs", "nurse.picker", challenge);
        var page = await picker.Content.ReadAsStringAsync();
        Assert.Contains("Choose a patient", page, StringComparison.Ordinal);
        Assert.Contains("value=\"pat-4711\"", page, StringComparison.Ordinal);

        // As a browser posts it: the chosen radio button, and the free-text box left empty.
        using var callback = await _browser.SubmitFormAsync(picker, new Dictionary<string, string>
        {
            [AuthorizationInteractions.PatientField] = "pat-4711",
            [AuthorizationInteractions.OtherPatientField] = string.Empty,
        });
        using var token = await _host.RequestTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = GrantTypes.AuthorizationCode,
            ["code"] = Browser.CallbackParameters(callback, RedirectUri)["code"],
            ["code_verifier"] = verifier,
            ["redirect_uri"] = RedirectUri.AbsoluteUri,
            ["client_id"] = EhrClient,
        });

        Assert.Equal("pat-4711", new JsonWebToken(await IdentityServerHost.AccessTokenOfAsync(token)).GetClaim("patient").Value);
    }

    [Fact]
    public async Task AnUnreadablePatientId_ShowsThePickerAgain_AndAForgedPickIsRefused()
    {
        using var picker = await SignInAsync(EhrClient, "openid launch/patient patient/Observation.rs", "nurse.picker", Browser.Pkce().Challenge);

        using var unreadable = await _browser.SubmitFormAsync(picker, new Dictionary<string, string> { [AuthorizationInteractions.PatientField] = "../Patient/1" });
        Assert.Equal(HttpStatusCode.OK, unreadable.StatusCode);
        Assert.Contains("role=\"alert\"", await unreadable.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The same answer without the page's antiforgery token (a cross-site post): 400, no code.
        var forgedForm = new Dictionary<string, string>(Parameters(EhrClient, "openid launch/patient patient/Observation.rs", Browser.Pkce().Challenge)!)
        {
            [AuthorizationInteractions.PatientField] = "pat-4711",
        };
        using var content = new FormUrlEncodedContent(forgedForm);
        using var forged = await _browser.Client.PostAsync(IdentityEndpoints(), content);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
    }

    [Fact]
    public async Task ANurseOpeningAThirdPartyApp_PicksAPatient_ThenApproves_AndTheCodeCarriesThatPatient()
    {
        var (verifier, challenge) = Browser.Pkce();
        using var picker = await SignInAsync(ThirdPartyClient, "openid launch/patient", "nurse.picker", challenge);
        using var consent = await _browser.SubmitFormAsync(picker, new Dictionary<string, string>
        {
            [AuthorizationInteractions.PatientField] = string.Empty,
            [AuthorizationInteractions.OtherPatientField] = "pat-9000",
        });
        Assert.Contains("Allow access?", await consent.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var callback = await _browser.SubmitFormAsync(consent, new Dictionary<string, string> { [AuthorizationInteractions.ConsentField] = AuthorizationInteractions.Allow });
        using var token = await _host.RequestTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = GrantTypes.AuthorizationCode,
            ["code"] = Browser.CallbackParameters(callback, RedirectUri)["code"],
            ["code_verifier"] = verifier,
            ["redirect_uri"] = RedirectUri.AbsoluteUri,
            ["client_id"] = ThirdPartyClient,
        });
        Assert.Equal("pat-9000", System.Text.Json.JsonDocument.Parse(await token.Content.ReadAsStringAsync()).RootElement.GetProperty("patient").GetString());
    }

    [Fact]
    public async Task PromptLogin_MakesASignedInUserSignInAgain_AndTheIdTokenSaysWhen()
    {
        using var first = await SignInAsync(EhrClient, "openid", "billing.picker", Browser.Pkce().Challenge);
        Assert.True(Browser.CallbackParameters(first, RedirectUri).ContainsKey("code"));
        var parameters = Parameters(EhrClient, "openid", Browser.Pkce().Challenge);
        parameters["prompt"] = "login";

        using var toLogin = await _browser.AuthorizeAsync(parameters);
        Assert.Equal(HttpStatusCode.Redirect, toLogin.StatusCode);
        Assert.Equal("/account/login", _browser.Absolute(toLogin.Headers.Location!).AbsolutePath);
        using var callback = await _browser.SignInAsync(toLogin, "billing.picker", Password);
        Assert.True(Browser.CallbackParameters(callback, RedirectUri).ContainsKey("code"));
    }

    [Fact]
    public async Task ABillingClerk_GetsNoPatientContext()
    {
        using var refused = await SignInAsync(EhrClient, "openid launch/patient patient/Observation.rs", "billing.picker", Browser.Pkce().Challenge);

        var (error, _) = await Browser.AuthorizationErrorAsync(refused, RedirectUri);
        Assert.Equal(Errors.AccessDenied, error);
    }

    [Fact]
    public async Task AUserWhoDeniesAThirdPartyApp_SendsItAccessDenied_AndTheRefusalIsAudited()
    {
        await _audit.PurgeAsync();
        using var consent = await SignInAsync(ThirdPartyClient, "openid profile", "patient.known", Browser.Pkce().Challenge);
        var page = await consent.Content.ReadAsStringAsync();
        Assert.Contains("Step Counter Deluxe", page, StringComparison.Ordinal);
        Assert.Contains("See your user name", page, StringComparison.Ordinal);

        using var denied = await _browser.SubmitFormAsync(consent, new Dictionary<string, string> { [AuthorizationInteractions.ConsentField] = "deny" });

        var (error, _) = await Browser.AuthorizationErrorAsync(denied, RedirectUri);
        Assert.Equal(Errors.AccessDenied, error);
        var audited = await _audit.WaitForAsync<SecurityEventRecorded>(e => e.Kind == SecurityEventKind.AppAuthorized);
        Assert.Equal((AuditOutcome.Denied, ThirdPartyClient), (audited.Outcome, audited.TargetClientId));
    }

    private static OpenIddictApplicationDescriptor Client(string clientId, string scopes)
    {
        var client = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientType = ClientTypes.Public,
            RedirectUris = { RedirectUri },
            Permissions = { Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.GrantTypes.AuthorizationCode, Permissions.ResponseTypes.Code },
        };
        foreach (var scope in scopes.Split(' '))
        {
            client.Permissions.Add(Permissions.Prefixes.Scope + scope);
        }

        return client;
    }

    private Dictionary<string, string?> Parameters(string clientId, string scope, string challenge) => new()
    {
        ["response_type"] = ResponseTypes.Code,
        ["client_id"] = clientId,
        ["redirect_uri"] = RedirectUri.AbsoluteUri,
        ["scope"] = scope,
        ["aud"] = _host.RecordsFhirBase.AbsoluteUri,
        ["code_challenge"] = challenge,
        ["code_challenge_method"] = CodeChallengeMethods.Sha256,
    };

    private Uri IdentityEndpoints() =>
        HealthPlatform.ServiceDefaults.Authorization.Smart.IdentityEndpoints.At(_host.Identity.Public, HealthPlatform.ServiceDefaults.Authorization.Smart.IdentityEndpoints.Authorization);

    private async Task<HttpResponseMessage> SignInAsync(string clientId, string scope, string userName, string challenge)
    {
        using var toLogin = await _browser.AuthorizeAsync(Parameters(clientId, scope, challenge));
        return await _browser.SignInAsync(toLogin, userName, Password);
    }
}
