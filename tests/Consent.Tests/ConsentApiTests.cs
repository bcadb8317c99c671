using System.Net;
using System.Text.Json;
using HealthPlatform.Testing;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using Hl7.Fhir.Serialization;
using FhirConsent = Hl7.Fhir.Model.Consent;

namespace HealthPlatform.Consent.Tests;

/// <summary>The FHIR Consent API: create, read, update with history, revoke, search by patient, in JSON and XML.</summary>
public sealed class ConsentApiTests(PostgresServerFixture postgres, RedisServerFixture redis, RabbitMqServerFixture broker)
    : ConsentServiceTest(postgres, redis, broker)
{
    private static readonly FhirJsonDeserializer JsonReader = new(new DeserializerSettings().UsingMode(DeserializationMode.Strict));
    private static readonly FhirXmlDeserializer XmlReader = new(new DeserializerSettings().UsingMode(DeserializationMode.Strict));

    [Fact]
    public async Task A_patient_creates_updates_revokes_and_reads_the_history_of_a_consent()
    {
        var patient = NewPatient();
        var token = Consents.PatientToken(patient);

        using var created = await Consents.SendAsync(HttpMethod.Post, "/fhir/Consent", token,
            ConsentHost.ToJson(Tests.Consents.For(patient, FhirConsent.ConsentProvisionType.Permit, Tests.Consents.Deny(role: "billing"))));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = created.Headers.Location!.OriginalString.Split('/')[3];
        Assert.Equal($"/fhir/Consent/{id}/_history/1", created.Headers.Location.OriginalString);
        Assert.Equal("W/\"1\"", created.Headers.ETag!.ToString());
        var first = JsonReader.Deserialize<FhirConsent>(await created.Content.ReadAsStringAsync());
        Assert.Equal(id, first.Id);
        Assert.Equal("1", first.Meta!.VersionId);

        // Update: the staff-denied role becomes nurse instead of billing.
        var changed = Tests.Consents.For(patient, FhirConsent.ConsentProvisionType.Permit, Tests.Consents.Deny(role: "nurse"));
        changed.Id = id;
        using var updated = await Consents.SendAsync(HttpMethod.Put, $"/fhir/Consent/{id}", token, ConsentHost.ToJson(changed), ifMatch: "W/\"1\"");
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal("W/\"2\"", updated.Headers.ETag!.ToString());

        // A stale If-Match is refused, and stores nothing.
        using var stale = await Consents.SendAsync(HttpMethod.Put, $"/fhir/Consent/{id}", token, ConsentHost.ToJson(changed), ifMatch: "W/\"1\"");
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Contains("OperationOutcome", await stale.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var revoked = await Consents.SendAsync(HttpMethod.Post, $"/fhir/Consent/{id}/$revoke", token);
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        var inactive = JsonReader.Deserialize<FhirConsent>(await revoked.Content.ReadAsStringAsync());
        Assert.Equal(FhirConsent.ConsentState.Inactive, inactive.Status);
        Assert.Equal("3", inactive.Meta!.VersionId);

        using var history = await Consents.SendAsync(HttpMethod.Get, $"/fhir/Consent/{id}/_history", token);
        var bundle = JsonReader.Deserialize<Bundle>(await history.Content.ReadAsStringAsync());
        Assert.Equal(Bundle.BundleType.History, bundle.Type);
        Assert.Equal(["3", "2", "1"], bundle.Entry.Select(entry => entry.Resource!.Meta!.VersionId));
        var versionOne = (FhirConsent)bundle.Entry[2].Resource!;
        Assert.Equal("billing", versionOne.Provision!.Provision[0].Actor[0].Reference!.Identifier!.Value);

        using var vread = await Consents.SendAsync(HttpMethod.Get, $"/fhir/Consent/{id}/_history/2", token);
        Assert.Equal("nurse", JsonReader.Deserialize<FhirConsent>(await vread.Content.ReadAsStringAsync()).Provision!.Provision[0].Actor[0].Reference!.Identifier!.Value);

        using var current = await Consents.SendAsync(HttpMethod.Get, $"/fhir/Consent/{id}", token);
        Assert.Equal("W/\"3\"", current.Headers.ETag!.ToString());
        Assert.Equal(2L, await Consents.QueryAsync<long>($"SELECT count(*) FROM consents c JOIN consent_versions v ON v.consent_id = c.id WHERE c.id = '{id}' AND v.version < c.version"));
    }

    [Fact]
    public async Task Consents_are_written_and_read_in_XML_as_well_as_JSON()
    {
        var patient = NewPatient();
        var token = Consents.PatientToken(patient);
        var xml = Tests.Consents.For(patient, FhirConsent.ConsentProvisionType.Deny, Tests.Consents.Permit(practitioner: "dr-who", purposes: ["TREAT"])).ToXml();

        using var created = await Consents.SendAsync(HttpMethod.Post, "/fhir/Consent", token, xml, contentType: "application/fhir+xml", accept: "application/fhir+xml");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("application/fhir+xml", created.Content.Headers.ContentType!.MediaType);
        var fromXml = XmlReader.Deserialize<FhirConsent>(await created.Content.ReadAsStringAsync());
        Assert.Equal("Practitioner/dr-who", fromXml.Provision!.Provision[0].Actor[0].Reference!.Reference);

        using var asJson = await Consents.SendAsync(HttpMethod.Get, $"/fhir/Consent/{fromXml.Id}", token);
        Assert.Equal("application/fhir+json", asJson.Content.Headers.ContentType!.MediaType);
        Assert.True(fromXml.IsExactly(JsonReader.Deserialize<FhirConsent>(await asJson.Content.ReadAsStringAsync())));

        using var byFormat = await Consents.SendAsync(HttpMethod.Get, $"/fhir/Consent/{fromXml.Id}?_format=xml", token);
        Assert.StartsWith("<Consent", await byFormat.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_that_asked_for_XML_gets_its_errors_in_XML_too()
    {
        var patient = NewPatient();
        var token = Consents.PatientToken(patient);
        var revokeOnly = Consents.PatientToken(patient, scope: "patient/Consent.cu");
        var id = await Consents.CreateAsync(Tests.Consents.For(patient, FhirConsent.ConsentProvisionType.Deny), token);

        using var notFound = await Consents.SendAsync(HttpMethod.Get, "/fhir/Consent/no-such-consent?_format=xml", token);
        using var unauthenticated = await Consents.SendAsync(HttpMethod.Get, $"/fhir/Consent/{id}", accessToken: null, accept: "application/fhir+xml");
        using var notSupported = await Consents.SendAsync(HttpMethod.Post, "/fhir/Consent", token, "{}", contentType: "text/plain", accept: "application/fhir+xml");
        using var revoked = await Consents.SendAsync(HttpMethod.Post, $"/fhir/Consent/{id}/$revoke?_format=xml", revokeOnly);
        using var stillJson = await Consents.SendAsync(HttpMethod.Get, "/fhir/Consent/no-such-consent", token);
        using var anythingFirst = await Consents.SendAsync(HttpMethod.Get, "/fhir/Consent/no-such-consent", token, accept: "application/xml;q=0.9, */*");
        using var controlCharacter = await Consents.SendAsync(HttpMethod.Get, "/fhir/Consent/%01?_format=application/fhir+xml;fhirVersion=4.0", token);
        using var rated = await Consents.SendAsync(HttpMethod.Get, "/fhir/Consent/no-such-consent", token, accept: "application/fhir+json;q=0.5, application/fhir+xml");
        using var browser = await Consents.SendAsync(HttpMethod.Get, "/fhir/Consent/no-such-consent", token, accept: "text/html, application/xml;q=0.9, */*;q=0.8");

        foreach (var (response, status, code) in new[]
        {
            (notFound, HttpStatusCode.NotFound, OperationOutcome.IssueType.NotFound),
            (unauthenticated, HttpStatusCode.Unauthorized, OperationOutcome.IssueType.Login),
            (notSupported, HttpStatusCode.UnsupportedMediaType, OperationOutcome.IssueType.NotSupported),
            (revoked, HttpStatusCode.OK, OperationOutcome.IssueType.Informational),
            (controlCharacter, HttpStatusCode.NotFound, OperationOutcome.IssueType.NotFound),
            (rated, HttpStatusCode.NotFound, OperationOutcome.IssueType.NotFound),
            (browser, HttpStatusCode.NotFound, OperationOutcome.IssueType.NotFound),
        })
        {
            Assert.Equal(status, response.StatusCode);
            Assert.Equal("application/fhir+xml", response.Content.Headers.ContentType!.MediaType);
            Assert.Contains("Accept", response.Headers.Vary);
            var outcome = XmlReader.Deserialize<OperationOutcome>(await response.Content.ReadAsStringAsync());
            Assert.Equal(code, Assert.Single(outcome.Issue).Code);
        }

        Assert.Equal("application/fhir+json", stillJson.Content.Headers.ContentType!.MediaType);
        Assert.Equal("application/fhir+json", anythingFirst.Content.Headers.ContentType!.MediaType);
        Assert.Equal(OperationOutcome.IssueType.NotFound, Assert.Single(JsonReader.Deserialize<OperationOutcome>(await stillJson.Content.ReadAsStringAsync()).Issue).Code);
    }

    [Fact]
    public async Task Search_by_patient_finds_their_current_consents_and_filters_by_status()
    {
        var patient = NewPatient();
        var token = Consents.PatientToken(patient);
        var kept = await Consents.CreateAsync(Tests.Consents.For(patient, FhirConsent.ConsentProvisionType.Permit), token);
        var revoked = await Consents.CreateAsync(Tests.Consents.For(patient, FhirConsent.ConsentProvisionType.Deny), token);
        using var revoke = await Consents.SendAsync(HttpMethod.Post, $"/fhir/Consent/{revoked}/$revoke", token);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);

        await Consents.CreateAsync(Tests.Consents.For(NewPatient(), FhirConsent.ConsentProvisionType.Permit), Consents.StaffToken());

        using var all = await Consents.SendAsync(HttpMethod.Get, $"/fhir/Consent?patient=Patient/{patient}", token);
        var bundle = JsonReader.Deserialize<Bundle>(await all.Content.ReadAsStringAsync());
        Assert.Equal(Bundle.BundleType.Searchset, bundle.Type);
        Assert.Equal(2, bundle.Total);
        Assert.Equal([revoked, kept], bundle.Entry.Select(entry => entry.Resource!.Id));

        using var active = await Consents.SendAsync(HttpMethod.Get, "/fhir/Consent?status=active", token);
        Assert.Equal([kept], JsonReader.Deserialize<Bundle>(await active.Content.ReadAsStringAsync()).Entry.Select(entry => entry.Resource!.Id));

        using var unknown = await Consents.SendAsync(HttpMethod.Get, $"/fhir/Consent?patient={patient}&category=x", token);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal("category", JsonDocument.Parse(await unknown.Content.ReadAsStringAsync()).RootElement.GetProperty("issue")[0].GetProperty("expression")[0].GetString());
    }
}
