using System.Net;
using System.Text.Json;
using HealthPlatform.Testing;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using FhirConsent = Hl7.Fhir.Model.Consent;

namespace HealthPlatform.Consent.Tests;

/// <summary>Bad input is refused with an OperationOutcome that says where, and nothing is stored.</summary>
public sealed class ConsentValidationTests(PostgresServerFixture postgres, RedisServerFixture redis, RabbitMqServerFixture broker)
    : ConsentServiceTest(postgres, redis, broker)
{
    public static TheoryData<string, string, string> Invalid => new()
    {
        // name, body, the expression the outcome must name
        { "malformed JSON", "{\"resourceType\":\"Consent\",", "" },
        { "unknown element", Mutate(json => json.Replace("\"status\":\"active\"", "\"status\":\"active\",\"colour\":\"blue\"", StringComparison.Ordinal)), "" },
        { "not a consent", "{\"resourceType\":\"Patient\",\"id\":\"x\"}", "resourceType" },
        { "missing status", Mutate(json => json.Replace("\"status\":\"active\",", "", StringComparison.Ordinal)), "" },
        { "unknown status", Mutate(json => json.Replace("\"status\":\"active\"", "\"status\":\"actve\"", StringComparison.Ordinal)), "" },
        { "not patient-privacy", Build(consent => consent.Scope = new CodeableConcept("http://terminology.hl7.org/CodeSystem/consentscope", "research")), "Consent.scope" },
        { "no patient", Build(consent => consent.Patient = null), "Consent.patient" },
        { "unknown actor type", Build(consent => consent.Provision!.Provision.Add(new FhirConsent.provisionComponent
            {
                Type = FhirConsent.ConsentProvisionType.Deny,
                Actor = [Tests.Consents.Actor(new ResourceReference("RelatedPerson/aunt-1"))],
            })), "Consent.provision.provision[0].actor[0].reference" },
        { "unknown role", Build(consent => consent.Provision!.Provision.Add(Tests.Consents.Deny(role: "janitor"))), "Consent.provision.provision[0].actor[0].reference" },
        { "period ends before it starts", Build(consent => consent.Provision!.Period = new Period(new FhirDateTime("2026-06-01"), new FhirDateTime("2026-01-01"))), "Consent.provision.period" },
        { "unknown label", Build(consent => consent.Provision!.Provision.Add(new FhirConsent.provisionComponent
            {
                Type = FhirConsent.ConsentProvisionType.Deny,
                SecurityLabel = [new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "SECRET")],
            })), "Consent.provision.provision[0].securityLabel[0]" },
        { "unknown purpose", Build(consent => consent.Provision!.Purpose.Add(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", "HMARKT"))), "Consent.provision.purpose[0]" },
        { "unknown data class", Build(consent => consent.Provision!.Class.Add(new Coding("http://hl7.org/fhir/resource-types", "Horoscope"))), "Consent.provision.class[0]" },
        { "a criterion not evaluated", Build(consent => consent.Provision!.Code.Add(new CodeableConcept("http://loinc.org", "1234-5"))), "Consent.provision.code" },
        { "provision without a rule", Build(consent => consent.Provision!.Provision.Add(new FhirConsent.provisionComponent
            {
                Purpose = [new Coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", "TREAT")],
            })), "Consent.provision.provision[0].type" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public async Task An_invalid_consent_is_refused_with_an_OperationOutcome_and_nothing_is_stored(string name, string body, string expression)
    {
        using var response = await Consents.SendAsync(HttpMethod.Post, "/fhir/Consent", Consents.PatientToken("p1"), body);

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity, $"{name}: {response.StatusCode}");
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType!.MediaType);
        var outcome = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("OperationOutcome", outcome.GetProperty("resourceType").GetString());
        var issues = outcome.GetProperty("issue").EnumerateArray().ToList();
        Assert.NotEmpty(issues);
        Assert.All(issues, issue => Assert.Equal("error", issue.GetProperty("severity").GetString()));
        if (expression.Length > 0)
        {
            Assert.Contains(issues, issue => issue.TryGetProperty("expression", out var where) && where.EnumerateArray().Any(path => path.GetString() == expression));
        }

        Assert.Equal(0L, await Consents.QueryAsync<long>("SELECT count(*) FROM consents"));
        Assert.Equal(0L, await Consents.QueryAsync<long>("SELECT count(*) FROM consent_versions"));
    }

    [Fact]
    public async Task Errors_from_authentication_size_and_media_type_are_OperationOutcomes_too()
    {
        var valid = ConsentHost.ToJson(Tests.Consents.For("p1", FhirConsent.ConsentProvisionType.Permit));

        using var anonymous = await Consents.SendAsync(HttpMethod.Post, "/fhir/Consent", accessToken: null, valid);
        using var wrongScope = await Consents.SendAsync(HttpMethod.Post, "/fhir/Consent", Consents.PatientToken("p1", scope: "patient/Consent.rs"), valid);
        using var tooLarge = await Consents.SendAsync(HttpMethod.Post, "/fhir/Consent", Consents.PatientToken("p1"), valid.Replace("\"status\"", $"\"text\":{{\"status\":\"generated\",\"div\":\"<div xmlns=\\\"http://www.w3.org/1999/xhtml\\\">{new string('x', 70_000)}</div>\"}},\"status\"", StringComparison.Ordinal));
        using var plainText = await Consents.SendAsync(HttpMethod.Post, "/fhir/Consent", Consents.PatientToken("p1"), valid, contentType: "text/plain");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, wrongScope.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, plainText.StatusCode);
        foreach (var response in new[] { anonymous, wrongScope, tooLarge, plainText })
        {
            Assert.Equal("OperationOutcome", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("resourceType").GetString());
        }

        Assert.Equal(0L, await Consents.QueryAsync<long>("SELECT count(*) FROM consent_versions"));
    }

    private static string Build(Action<FhirConsent> change)
    {
        var consent = Tests.Consents.For("p1", FhirConsent.ConsentProvisionType.Permit);
        change(consent);
        return ConsentHost.ToJson(consent);
    }

    private static string Mutate(Func<string, string> change) => change(ConsentHost.ToJson(Tests.Consents.For("p1", FhirConsent.ConsentProvisionType.Permit)));
}
