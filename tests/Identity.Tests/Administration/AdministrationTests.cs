using System.Net;
using System.Text.Json;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.Identity.Administration;
using HealthPlatform.Identity.Tests.Server;
using HealthPlatform.ServiceDefaults.Authorization;
using HealthPlatform.Testing;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HealthPlatform.Identity.Tests.Administration;

/// <summary>
/// The admin API with real tokens from the login pages: an admin signed in with a second factor
/// registers, disables and enables clients, records Business Associate Agreements, manages users
/// and roles and grants time-bound elevation — every change audited; anything less than admin + MFA
/// is refused.
/// </summary>
[Collection(IdentityInfrastructure.Name)]
public sealed class AdministrationTests(PostgresServerFixture postgres, RedisServerFixture redis, RabbitMqServerFixture broker) : IAsyncLifetime
{
    private readonly AuditQueueProbe _audit = new(broker);
    private IdentityServerHost _host = null!;
    private AdminSession _admin = null!;
    private string _adminToken = null!;
    private string _adminId = null!;

    public async Task InitializeAsync()
    {
        _host = await IdentityServerHost.StartAsync(postgres, redis, broker);
        await AdminSession.RegisterConsoleAsync(_host);
        _admin = new AdminSession(_host);
        var admin = await _host.CreateUserAsync("admin.api", AdminSession.Password, role: PlatformRoles.Admin);
        _adminId = admin.Id;
        var (key, _) = await _host.EnrolAuthenticatorAsync(admin);
        _adminToken = await _admin.TokenAsync("admin.api", key);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task AnAdminWithMfa_RegistersAClient_WhichThenGetsTokens_AndTheRegistrationIsAudited()
    {
        await _audit.PurgeAsync();

        using var registered = await _admin.SendAsync(HttpMethod.Post, "/admin/clients", _adminToken, new
        {
            client_id = "lab-importer",
            client_name = "Lab importer",
            token_endpoint_auth_method = "client_secret_basic",
            grant_types = new[] { "client_credentials" },
            scope = "system/Observation.rs",
        });

        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        var secret = (await JsonAsync(registered)).GetProperty("client_secret").GetString()!;
        using var token = await _host.RequestTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = GrantTypes.ClientCredentials,
            ["client_id"] = "lab-importer",
            ["client_secret"] = secret,
            ["scope"] = "system/Observation.rs",
        });
        using var records = await _host.CallRecordsAsync(await IdentityServerHost.AccessTokenOfAsync(token));
        Assert.Equal(HttpStatusCode.OK, records.StatusCode);
        var audited = await _audit.WaitForAsync<SecurityEventRecorded>(recorded => recorded.Kind == SecurityEventKind.ClientRegistered);
        Assert.Equal("lab-importer", audited.TargetClientId);
        Assert.Equal(_adminId, audited.Actor.UserId);
    }

    [Fact]
    public async Task AnInvalidRegistration_Is400_NamingEachFieldAtFault_AndRegistersNothing()
    {
        using var refused = await _admin.SendAsync(HttpMethod.Post, "/admin/clients", _adminToken, new
        {
            client_id = "Bad Id",
            token_endpoint_auth_method = "none",
            grant_types = new[] { "client_credentials", "implicit" },
            redirect_uris = new[] { "http://insecure.example/cb" },
            scope = "patient/Observation.sr",
        });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var errors = (await JsonAsync(refused)).GetProperty("errors");
        foreach (var field in new[] { "client_id", "grant_types", "redirect_uris", "scope" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"No error for {field}: {errors}");
        }

        await using var scope = _host.Services.CreateAsyncScope();
        Assert.Null(await scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>().FindByClientIdAsync("Bad Id"));
    }

    [Fact]
    public async Task TheAdminApi_RefusesNoToken_401_AndATokenOfSomeoneWhoIsNoAdmin_403()
    {
        var physician = await _host.CreateUserAsync("dr.notadmin", AdminSession.Password, role: PlatformRoles.Physician);

        using var anonymous = await _admin.SendAsync(HttpMethod.Get, "/admin/users", token: null);
        using var notAdmin = await _admin.SendAsync(HttpMethod.Get, "/admin/users", await _admin.TokenAsync(physician.UserName!, authenticatorKey: null));
        using var admin = await _admin.SendAsync(HttpMethod.Get, "/admin/users", _adminToken);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, notAdmin.StatusCode);
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
    }

    [Fact]
    public async Task AThirdPartyClient_GetsNoPhiScopeWithoutABaa_AndOnceOneIsRecorded_ThePatientApprovesItOnTheConsentScreen()
    {
        var redirectUri = new Uri("https://thirdparty.example/callback");
        using var registered = await _admin.SendAsync(HttpMethod.Post, "/admin/clients", _adminToken, new
        {
            client_id = "acme-health",
            client_name = "Acme Health",
            token_endpoint_auth_method = "none",
            grant_types = new[] { "authorization_code" },
            redirect_uris = new[] { redirectUri.AbsoluteUri },
            scope = "openid launch/patient patient/Observation.rs",
            third_party = true,
        });
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        await _host.CreateUserAsync("patient.consent", AdminSession.Password, "pat-77", role: PlatformRoles.Patient);
        using var browser = new Browser(_host);
        var parameters = new Dictionary<string, string?>
        {
            ["response_type"] = ResponseTypes.Code,
            ["client_id"] = "acme-health",
            ["redirect_uri"] = redirectUri.AbsoluteUri,
            ["scope"] = "openid launch/patient patient/Observation.rs",
            ["aud"] = _host.RecordsFhirBase.AbsoluteUri,
            ["code_challenge"] = Browser.Pkce().Challenge,
            ["code_challenge_method"] = CodeChallengeMethods.Sha256,
        };

        using var withoutAgreement = await browser.AuthorizeAsync(parameters);
        var (error, description) = await Browser.AuthorizationErrorAsync(withoutAgreement, redirectUri);
        Assert.Equal(Errors.InvalidScope, error);
        Assert.Contains("Business Associate Agreement", description, StringComparison.Ordinal);

        await _audit.PurgeAsync();
        using var recorded = await _admin.SendAsync(HttpMethod.Post, "/admin/clients/acme-health/agreements", _adminToken, new
        {
            signed_by = "Jane Roe, Acme Health Inc.",
            signed_on = "2026-11-01",
            document_reference = "dms://contracts/baa/acme-2026-11",
        });
        Assert.Equal(HttpStatusCode.Created, recorded.StatusCode);
        var agreementEvent = await _audit.WaitForAsync<SecurityEventRecorded>(e => e.Kind == SecurityEventKind.AgreementRecorded);
        Assert.Equal("acme-health", agreementEvent.TargetClientId);

        using var toLogin = await browser.AuthorizeAsync(parameters);
        using var consentPage = await browser.SignInAsync(toLogin, "patient.consent", AdminSession.Password);
        var page = await consentPage.Content.ReadAsStringAsync();
        Assert.Contains("Acme Health", page, StringComparison.Ordinal);
        Assert.Contains("Read and search the patient&#x27;s observations (lab results, vital signs)", page, StringComparison.Ordinal);
        using var allowed = await browser.SubmitFormAsync(consentPage, new Dictionary<string, string> { ["hp_consent"] = "allow" });
        Assert.True(Browser.CallbackParameters(allowed, redirectUri).ContainsKey("code"));
        var consentEvent = await _audit.WaitForAsync<SecurityEventRecorded>(e => e.Kind == SecurityEventKind.AppAuthorized);
        Assert.Equal(AuditOutcome.Success, consentEvent.Outcome);

        // Asked once: the next authorization for the same scopes goes straight back to the app.
        using var again = await browser.AuthorizeAsync(parameters);
        Assert.True(Browser.CallbackParameters(again, redirectUri).ContainsKey("code"));
    }

    [Fact]
    public async Task DisablingAClient_RefusesItsTokensEverywhere_AndItGetsNoNewOne()
    {
        using var registered = await _admin.SendAsync(HttpMethod.Post, "/admin/clients", _adminToken, new
        {
            client_id = "leaky-job",
            token_endpoint_auth_method = "client_secret_post",
            grant_types = new[] { "client_credentials" },
            scope = "system/Observation.rs",
        });
        var secret = (await JsonAsync(registered)).GetProperty("client_secret").GetString()!;
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = GrantTypes.ClientCredentials,
            ["client_id"] = "leaky-job",
            ["client_secret"] = secret,
            ["scope"] = "system/Observation.rs",
        };
        using var before = await _host.RequestTokenAsync(form);
        var token = await IdentityServerHost.AccessTokenOfAsync(before);

        using var disabled = await _admin.SendAsync(HttpMethod.Post, "/admin/clients/leaky-job/disable", _adminToken, new { reason = "secret found in a public repository" });
        Assert.Equal(HttpStatusCode.NoContent, disabled.StatusCode);

        await EventuallyRefusedAsync(token);
        using var after = await _host.RequestTokenAsync(form);
        Assert.Equal(Errors.InvalidClient, await IdentityServerHost.ErrorOfAsync(after));
    }

    [Fact]
    public async Task DisablingAUser_RevokesTheirTokens_AndTheyCannotSignIn()
    {
        using var created = await _admin.SendAsync(HttpMethod.Post, "/admin/users", _adminToken, new { user_name = "nurse.leaving", roles = new[] { PlatformRoles.Nurse } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var user = await JsonAsync(created);
        var userId = user.GetProperty("id").GetString()!;
        var password = user.GetProperty("initial_password").GetString()!;
        var token = await _admin.TokenWithPasswordAsync("nurse.leaving", password);
        using var beforeDisabling = await _admin.SendAsync(HttpMethod.Get, "/admin/users", token);
        Assert.Equal(HttpStatusCode.Forbidden, beforeDisabling.StatusCode);

        using var disabled = await _admin.SendAsync(HttpMethod.Post, $"/admin/users/{userId}/disable", _adminToken, new { reason = "left the hospital" });
        Assert.Equal(HttpStatusCode.NoContent, disabled.StatusCode);

        // The same token is now no token at all (revoked), and the password opens nothing.
        using var afterDisabling = await _admin.SendAsync(HttpMethod.Get, "/admin/users", token);
        Assert.Equal(HttpStatusCode.Unauthorized, afterDisabling.StatusCode);
        using var browser = new Browser(_host);
        using var toLogin = await browser.GetAsync(new Uri(_host.Identity.Public, "/account/login"));
        using var signIn = await browser.SubmitFormAsync(toLogin, new Dictionary<string, string> { ["username"] = "nurse.leaving", ["password"] = password });
        Assert.Contains("Sign-in failed", await signIn.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var audited = await _audit.WaitForAsync<SecurityEventRecorded>(e => e.Kind == SecurityEventKind.UserDisabled && e.TargetUserId == userId);
        Assert.Equal("left the hospital", audited.Reason);
    }

    [Fact]
    public async Task AnElevation_NeedsAReasonAndABoundedTime_AndAnAdminCannotElevateThemselves()
    {
        var nurse = await _host.CreateUserAsync("nurse.elevate", AdminSession.Password, role: PlatformRoles.Nurse);

        using var noReason = await _admin.SendAsync(HttpMethod.Post, $"/admin/users/{nurse.Id}/elevations", _adminToken, new { role = "security-officer", minutes = 30, reason = "short" });
        using var tooLong = await _admin.SendAsync(HttpMethod.Post, $"/admin/users/{nurse.Id}/elevations", _adminToken, new { role = "security-officer", minutes = 100_000, reason = "Investigating incident INC-4711" });
        using var self = await _admin.SendAsync(HttpMethod.Post, $"/admin/users/{_adminId}/elevations", _adminToken, new { role = "security-officer", minutes = 30, reason = "Investigating incident INC-4711" });
        using var granted = await _admin.SendAsync(HttpMethod.Post, $"/admin/users/{nurse.Id}/elevations", _adminToken, new { role = "security-officer", minutes = 30, reason = "Investigating incident INC-4711" });

        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, self.StatusCode);
        Assert.Equal(HttpStatusCode.Created, granted.StatusCode);
        await using var scope = _host.Services.CreateAsyncScope();
        var roles = await scope.ServiceProvider.GetRequiredService<EffectiveRoles>().OfAsync(nurse, CancellationToken.None);
        Assert.Equal([PlatformRoles.Nurse, PlatformRoles.SecurityOfficer], roles);
    }

    [Fact]
    public async Task ChangingAUsersRoles_IsAudited_AndRemovingOne_RevokesTheTokensThatCarryIt()
    {
        var pharmacist = await _host.CreateUserAsync("pharm.roles", AdminSession.Password, role: PlatformRoles.Pharmacist);
        var token = await _admin.TokenWithPasswordAsync("pharm.roles", AdminSession.Password);
        await _audit.PurgeAsync();

        using var changed = await _admin.SendAsync(HttpMethod.Put, $"/admin/users/{pharmacist.Id}/roles", _adminToken, new { roles = new[] { PlatformRoles.Nurse } });
        using var patientWithoutId = await _admin.SendAsync(HttpMethod.Put, $"/admin/users/{pharmacist.Id}/roles", _adminToken, new { roles = new[] { PlatformRoles.Patient } });
        using var unknownRole = await _admin.SendAsync(HttpMethod.Put, $"/admin/users/{pharmacist.Id}/roles", _adminToken, new { roles = new[] { "superuser" } });

        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, patientWithoutId.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, unknownRole.StatusCode);
        await _audit.WaitForAsync<SecurityEventRecorded>(e => e.Kind == SecurityEventKind.RoleGranted && e.Role == PlatformRoles.Nurse && e.TargetUserId == pharmacist.Id);
        await _audit.WaitForAsync<SecurityEventRecorded>(e => e.Kind == SecurityEventKind.RoleRemoved && e.Role == PlatformRoles.Pharmacist && e.TargetUserId == pharmacist.Id);
        using var withRemovedRole = await _admin.SendAsync(HttpMethod.Get, "/admin/users", token);
        Assert.Equal(HttpStatusCode.Unauthorized, withRemovedRole.StatusCode);
    }

    [Fact]
    public async Task AResetAuthenticator_SendsTheAdminThroughEnrolmentAgain()
    {
        var other = await _host.CreateUserAsync("admin.reset", AdminSession.Password, role: PlatformRoles.Admin);
        await _host.EnrolAuthenticatorAsync(other);

        using var reset = await _admin.SendAsync(HttpMethod.Post, $"/admin/users/{other.Id}/authenticator/reset", _adminToken);
        using var self = await _admin.SendAsync(HttpMethod.Post, $"/admin/users/{_adminId}/authenticator/reset", _adminToken);

        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, self.StatusCode);
        using var browser = new Browser(_host);
        using var toLogin = await browser.AuthorizeAsync(new Dictionary<string, string?>
        {
            ["response_type"] = ResponseTypes.Code,
            ["client_id"] = AdminSession.ConsoleClient,
            ["redirect_uri"] = "https://admin.example/callback",
            ["scope"] = "openid identity.admin",
            ["code_challenge"] = Browser.Pkce().Challenge,
            ["code_challenge_method"] = CodeChallengeMethods.Sha256,
        });
        using var toEnrolment = await browser.SignInAsync(toLogin, "admin.reset", AdminSession.Password);
        Assert.Equal(HttpStatusCode.Redirect, toEnrolment.StatusCode);
        Assert.Equal("/account/mfa", browser.Absolute(toEnrolment.Headers.Location!).AbsolutePath);
    }

    [Fact]
    public async Task UpdatingAClient_ChangesItsRedirectUris_AndKeepsItsSecret()
    {
        var registration = new
        {
            client_id = "portal-v2",
            token_endpoint_auth_method = "client_secret_basic",
            grant_types = new[] { "authorization_code", "client_credentials" },
            redirect_uris = new[] { "https://old.example/callback" },
            scope = "openid system/Observation.rs",
        };
        using var registered = await _admin.SendAsync(HttpMethod.Post, "/admin/clients", _adminToken, registration);
        var secret = (await JsonAsync(registered)).GetProperty("client_secret").GetString()!;

        using var updated = await _admin.SendAsync(HttpMethod.Put, "/admin/clients/portal-v2", _adminToken, registration with { redirect_uris = new[] { "https://new.example/callback" } });
        using var missing = await _admin.SendAsync(HttpMethod.Put, "/admin/clients/no-such-client", _adminToken, registration);

        Assert.Equal(HttpStatusCode.NoContent, updated.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        await using var scope = _host.Services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var client = (await applications.FindByClientIdAsync("portal-v2"))!;
        Assert.Equal("https://new.example/callback", Assert.Single(await applications.GetRedirectUrisAsync(client)));
        Assert.True(await applications.ValidateClientSecretAsync(client, secret));
    }

    [Fact]
    public async Task APatientRecord_HasOneAccount_AndAPatientIsTheirOwnFhirUser()
    {
        await _host.CreateUserAsync("patient.first", AdminSession.Password, "pat-one", role: PlatformRoles.Patient);

        using var second = await _admin.SendAsync(HttpMethod.Post, "/admin/users", _adminToken, new { user_name = "patient.second", roles = new[] { "patient" }, patient_id = "pat-one" });
        using var otherRecord = await _admin.SendAsync(HttpMethod.Post, "/admin/users", _adminToken, new { user_name = "patient.third", roles = new[] { "patient" }, patient_id = "pat-three", fhir_user = "Patient/pat-one" });
        using var staffAsPatient = await _admin.SendAsync(HttpMethod.Post, "/admin/users", _adminToken, new { user_name = "nurse.patient", roles = new[] { "nurse" }, fhir_user = "Patient/pat-one" });
        using var created = await _admin.SendAsync(HttpMethod.Post, "/admin/users", _adminToken, new { user_name = "patient.fourth", roles = new[] { "patient" }, patient_id = "pat-four" });

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, otherRecord.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, staffAsPatient.StatusCode);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await using var scope = _host.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<HealthPlatform.Identity.Users.PlatformUser>>();
        Assert.Equal("Patient/pat-four", (await users.FindByNameAsync("patient.fourth"))!.FhirUser);
    }

    [Fact]
    public async Task AThirdPartyClient_CannotBeRegisteredWithAnAdministrationScope()
    {
        using var refused = await _admin.SendAsync(HttpMethod.Post, "/admin/clients", _adminToken, new
        {
            client_id = "sneaky-console",
            token_endpoint_auth_method = "none",
            grant_types = new[] { "authorization_code" },
            redirect_uris = new[] { "https://sneaky.example/callback" },
            scope = "openid identity.admin",
            third_party = true,
        });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("administration scopes", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task EventuallyRefusedAsync(string token)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (true)
        {
            using var response = await _host.CallRecordsAsync(token);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                return;
            }

            await Task.Delay(20, deadline.Token);
        }
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
}
