using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Aspire.Hosting.Testing;
using HealthPlatform.Identity.Tests.Server;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Authorization.Smart;

namespace HealthPlatform.AppHost.Tests.Platform;

/// <summary>
/// The consent service in the running platform, reached the way a patient app reaches it: the
/// demo patient signs in through the seeded portal, records a consent with the token the identity
/// service issued, and the records service's decisions follow it until she revokes it.
/// </summary>
[Collection(PlatformGroup.Name)]
public sealed class ConsentTests(PlatformFixture fixture) : IDisposable
{
    private static readonly Uri PortalCallback = new("https://localhost:5173/callback");

    private readonly PlatformClient _clients = new(fixture.Platform);

    [Fact]
    public async Task A_patient_signed_in_through_the_portal_records_a_consent_and_decisions_follow_it_until_she_revokes_it()
    {
        var consentBase = new Uri(fixture.Platform.App.GetEndpoint(ResourceNames.Consent, ResourceNames.Endpoints.Public), "/fhir");
        var (token, patient) = await SignInAsPatientAsync(consentBase);
        Assert.Equal("example-pat", patient);
        using var client = _clients.Create();
        var nurse = new { patient, actor = new { user = "nurse-joy-sub", practitioner = "Practitioner/nurse-joy", roles = new[] { "nurse" }, client = "ehr-app" }, purpose = "TREAT", resourceType = "Observation" };
        Assert.Equal(("permit", "DefaultPolicyPermitted"), await DecideAsync(nurse));

        using var created = await SendAsync(client, HttpMethod.Post, new Uri(consentBase + "/Consent"), token, DenyNurseJoy(patient));
        var body = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, body);
        var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
        Assert.Equal(("deny", "ConsentDenied"), await DecideAsync(nurse));

        using var read = await SendAsync(client, HttpMethod.Get, new Uri($"{consentBase}/Consent/{id}"), token);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        using var revoked = await SendAsync(client, HttpMethod.Post, new Uri($"{consentBase}/Consent/{id}/$revoke"), token);
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.Equal(("permit", "DefaultPolicyPermitted"), await DecideAsync(nurse));
    }

    public void Dispose() => _clients.Dispose();

    /// <summary>The authorization code flow with PKCE as the portal runs it, for the demo patient; returns the access token and its patient context.</summary>
    private async Task<(string Token, string Patient)> SignInAsPatientAsync(Uri consentBase)
    {
        var identity = fixture.Platform.App.GetEndpoint(ResourceNames.Identity, ResourceNames.Endpoints.Public);
        var password = (await File.ReadAllTextAsync(Path.Combine(fixture.Platform.DataDirectory, "clients", "demo-users.password"))).Trim();
        using var browser = new Browser(identity, _clients.CreateHandler());
        var (verifier, challenge) = Browser.Pkce();
        var state = Guid.NewGuid().ToString("N");
        using var toLogin = await browser.AuthorizeAsync(new Dictionary<string, string?>
        {
            ["response_type"] = "code",
            ["client_id"] = "portal",
            ["redirect_uri"] = PortalCallback.AbsoluteUri,
            ["scope"] = "openid launch/patient patient/Consent.cruds",
            ["state"] = state,
            ["aud"] = consentBase.AbsoluteUri,
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
        });
        using var afterLogin = await browser.SignInAsync(toLogin, "patient.pat", password);
        var callback = Browser.CallbackParameters(afterLogin, PortalCallback);
        Assert.Equal(state, callback["state"]);

        using var client = _clients.Create();
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = callback["code"],
            ["code_verifier"] = verifier,
            ["redirect_uri"] = PortalCallback.AbsoluteUri,
            ["client_id"] = "portal",
        });
        using var response = await client.PostAsync(IdentityEndpoints.At(identity, IdentityEndpoints.Token), form);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        var tokens = JsonDocument.Parse(text).RootElement;
        return (tokens.GetProperty("access_token").GetString()!, tokens.GetProperty("patient").GetString()!);
    }

    private async Task<(string?, string?)> DecideAsync(object question)
    {
        using var certificate = _clients.Certificate(ResourceNames.Records);
        using var records = _clients.Create(certificate);
        using var response = await records.PostAsJsonAsync(new Uri(fixture.Platform.InternalEndpoint(ResourceNames.Consent), "/decisions"), question);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        var decision = JsonDocument.Parse(text).RootElement;
        return (decision.GetProperty("decision").GetString(), decision.GetProperty("reason").GetString());
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, Uri uri, string token, string? json = null)
    {
        using var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/fhir+json");
        }

        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private static string DenyNurseJoy(string patient) => $$"""
        {
          "resourceType": "Consent",
          "status": "active",
          "scope": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy" }] },
          "category": [{ "coding": [{ "system": "http://loinc.org", "code": "59284-0" }] }],
          "patient": { "reference": "Patient/{{patient}}" },
          "policyRule": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN" }] },
          "provision": {
            "type": "permit",
            "provision": [{
              "type": "deny",
              "actor": [{
                "role": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "PRCP" }] },
                "reference": { "reference": "Practitioner/nurse-joy" }
              }]
            }]
          }
        }
        """;
}
