using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.Testing;
using FhirConsent = Hl7.Fhir.Model.Consent;

namespace HealthPlatform.Consent.Tests;

/// <summary>Why a decision came out as it did, in words: for the patient (own data) and for security officers.</summary>
public sealed class ExplainTests(PostgresServerFixture postgres, RedisServerFixture redis, RabbitMqServerFixture broker)
    : ConsentServiceTest(postgres, redis, broker)
{
    [Fact]
    public async Task The_patient_and_a_security_officer_read_which_consent_and_provision_decided_in_words()
    {
        var patient = NewPatient();
        var id = await Consents.CreateAsync(Tests.Consents.For(patient, FhirConsent.ConsentProvisionType.Permit,
            Tests.Consents.Deny(role: "nurse", labels: ["PSY"])), Consents.PatientToken(patient));
        var question = DecisionTests.Question(patient, "nurse-1", roles: ["nurse"], labels: ["PSY"]);
        var probe = new AuditQueueProbe(Broker);

        var forPatient = await ExplainAsync(question, Consents.PatientToken(patient, scope: "patient/Consent.r"));
        var forOfficer = await ExplainAsync(question, Consents.OfficerToken());

        Assert.Equal(HttpStatusCode.OK, forPatient.Status);
        Assert.Equal("deny", forPatient.Body.GetProperty("decision").GetProperty("decision").GetString());
        var words = forPatient.Body.GetProperty("explanation").EnumerateArray().Select(sentence => sentence.GetString()!).ToList();
        Assert.Contains(words, sentence => sentence.Contains($"Consent {id} (version 1)", StringComparison.Ordinal)
            && sentence.Contains("provision Consent.provision.provision[0]", StringComparison.Ordinal)
            && sentence.Contains("anyone with role nurse", StringComparison.Ordinal)
            && sentence.Contains("mental health (PSY)", StringComparison.Ordinal)
            && sentence.EndsWith("denies this.", StringComparison.Ordinal));
        Assert.Equal("Decision: denied.", words[^1]);
        Assert.Equal(HttpStatusCode.OK, forOfficer.Status);
        Assert.Equal(forPatient.Body.GetProperty("explanation").ToString(), forOfficer.Body.GetProperty("explanation").ToString());

        // Reading an explanation is reading the patient's consents: audited, with the consents it showed.
        var officerRead = await probe.WaitForAsync<PatientDataAccessed>(access => access.PatientId == patient && access.Actor.UserId == "sec.sally");
        Assert.Equal((AuditAction.Execute, "Consent", PurposeOfUse.Operations), (officerRead.Action, officerRead.ResourceType, officerRead.PurposeOfUse));
        Assert.Equal([id], officerRead.ResourceIds);
        var patientRead = await probe.WaitForAsync<PatientDataAccessed>(access => access.PatientId == patient && access.Actor.UserId == "user-" + patient && access.Action == AuditAction.Execute);
        Assert.Equal(PurposeOfUse.PatientRequest, patientRead.PurposeOfUse);

        var byDefault = await ExplainAsync(DecisionTests.Question(patient, "dr-x", labels: ["HIV"]), Consents.PatientToken(patient));
        Assert.Contains(byDefault.Body.GetProperty("explanation").EnumerateArray(), sentence => sentence.GetString()!.Contains("default policy", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Another_patient_an_officer_without_a_second_factor_and_clinicians_may_not_read_explanations()
    {
        var patient = NewPatient();
        var question = DecisionTests.Question(patient, "dr-x");

        var otherPatient = await ExplainAsync(question, Consents.PatientToken(NewPatient()));
        var noSecondFactor = await ExplainAsync(question, Consents.OfficerToken(amr: ["pwd"]));
        var clinician = await ExplainAsync(question, Consents.StaffToken("physician", scope: "user/Consent.rs"));
        var noScope = await ExplainAsync(question, Consents.OfficerToken(scope: "user/Observation.rs"));

        Assert.Equal(HttpStatusCode.Forbidden, otherPatient.Status);
        Assert.Equal(HttpStatusCode.Forbidden, noSecondFactor.Status);
        Assert.Equal(HttpStatusCode.Forbidden, clinician.Status);
        Assert.Equal(HttpStatusCode.Forbidden, noScope.Status);
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> ExplainAsync(object question, string token)
    {
        using var client = Keys.Pki.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Consents.Service.Public, "/consent/explain")) { Content = JsonContent.Create(question) };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, body.Length > 0 ? JsonDocument.Parse(body).RootElement.Clone() : default);
    }
}
