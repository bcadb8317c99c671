using System.Net;
using System.Text.Json;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.Testing;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using FhirConsent = Hl7.Fhir.Model.Consent;

namespace HealthPlatform.Consent.Tests;

/// <summary>The decision endpoint, as the records service asks it: consents, default policy, labels, purposes, periods, break-the-glass.</summary>
public sealed class DecisionTests(PostgresServerFixture postgres, RedisServerFixture redis, RabbitMqServerFixture broker)
    : ConsentServiceTest(postgres, redis, broker)
{
    [Fact]
    public async Task Where_the_patient_said_nothing_the_default_policy_permits_treatment_and_denies_research_and_sensitive_data()
    {
        var patient = NewPatient();

        var treatment = await DecideAsync(patient, "dr-x");
        var research = await DecideAsync(patient, "dr-x", purpose: "HRESCH");
        var hiv = await DecideAsync(patient, "dr-x", labels: ["HIV"]);
        var normal = await DecideAsync(patient, "dr-x", labels: ["N"]);

        Assert.Equal(("permit", "DefaultPolicyPermitted"), Outcome(treatment));
        Assert.Equal(("deny", "DefaultPolicyDenied"), Outcome(research));
        Assert.Equal(("deny", "DefaultPolicyDenied"), Outcome(hiv));
        Assert.Equal(("permit", "DefaultPolicyPermitted"), Outcome(normal));
        Assert.Empty(treatment.GetProperty("basis").EnumerateArray());

        // A permit names the sensitive labels it does not reach: elements carrying them are hidden.
        var hidden = treatment.GetProperty("obligations")[0];
        Assert.Equal("hide-labelled-elements", hidden.GetProperty("code").GetString());
        Assert.Equal(["ETH", "HIV", "PSY", "R", "SUD", "V"], hidden.GetProperty("labels").EnumerateArray().Select(label => label.GetString()));
    }

    [Fact]
    public async Task A_patients_deny_decides_for_the_actors_it_names_until_it_is_revoked()
    {
        var patient = NewPatient();
        var token = Consents.PatientToken(patient);
        var id = await Consents.CreateAsync(Tests.Consents.For(patient, FhirConsent.ConsentProvisionType.Permit, Tests.Consents.Deny(practitioner: "dr-x")), token);

        var denied = await DecideAsync(patient, "dr-x");
        Assert.Equal(("deny", "ConsentDenied"), Outcome(denied));
        var basis = denied.GetProperty("basis")[0];
        Assert.Equal(id, basis.GetProperty("consent").GetString());
        Assert.Equal("Consent.provision.provision[0]", basis.GetProperty("provision").GetString());
        Assert.Equal(("permit", "ConsentPermitted"), Outcome(await DecideAsync(patient, "dr-y")));

        using var revoke = await Consents.SendAsync(HttpMethod.Post, $"/fhir/Consent/{id}/$revoke", token);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Equal(("permit", "DefaultPolicyPermitted"), Outcome(await DecideAsync(patient, "dr-x")));
    }

    [Fact]
    public async Task Sensitive_data_is_shared_only_by_an_explicit_permit_naming_its_labels()
    {
        var patient = NewPatient();
        await Consents.CreateAsync(Tests.Consents.For(patient, FhirConsent.ConsentProvisionType.Permit,
            Tests.Consents.Permit(practitioner: "dr-x", labels: ["HIV"])), Consents.PatientToken(patient));

        Assert.Equal(("permit", "ConsentPermitted"), Outcome(await DecideAsync(patient, "dr-x", labels: ["HIV"])));
        Assert.Equal(("deny", "DefaultPolicyDenied"), Outcome(await DecideAsync(patient, "dr-y", labels: ["HIV"])));
        // HIV is granted to dr-x, mental health is not: data carrying both stays closed.
        Assert.Equal(("deny", "DefaultPolicyDenied"), Outcome(await DecideAsync(patient, "dr-x", labels: ["HIV", "PSY"])));
        var plain = await DecideAsync(patient, "dr-x");
        Assert.DoesNotContain("HIV", plain.GetProperty("obligations")[0].GetProperty("labels").EnumerateArray().Select(label => label.GetString()));
    }

    [Fact]
    public async Task The_purpose_of_use_and_the_data_class_decide_which_provision_applies()
    {
        var patient = NewPatient();
        await Consents.CreateAsync(Tests.Consents.For(patient, FhirConsent.ConsentProvisionType.Deny,
            Tests.Consents.Permit(purposes: ["TREAT"]),
            Tests.Consents.Permit(purposes: ["HRESCH"], classes: ["Observation"])), Consents.PatientToken(patient));

        Assert.Equal(("permit", "ConsentPermitted"), Outcome(await DecideAsync(patient, "dr-x", purpose: "TREAT", resourceType: "Condition")));
        Assert.Equal(("permit", "ConsentPermitted"), Outcome(await DecideAsync(patient, "dr-x", purpose: "HRESCH", resourceType: "Observation")));
        Assert.Equal(("deny", "ConsentDenied"), Outcome(await DecideAsync(patient, "dr-x", purpose: "HRESCH", resourceType: "Condition")));
        Assert.Equal(("deny", "ConsentDenied"), Outcome(await DecideAsync(patient, "clerk-1", purpose: "HPAYMT", roles: ["billing"])));
    }

    [Fact]
    public async Task A_provision_stops_deciding_when_its_period_ends()
    {
        var patient = NewPatient();
        var now = Time.GetUtcNow();
        var until = now.AddHours(1);
        await Consents.CreateAsync(Tests.Consents.For(patient, FhirConsent.ConsentProvisionType.Deny,
            Tests.Consents.Permit(purposes: ["HRESCH"], period: new Period(new FhirDateTime(now.AddDays(-1)), new FhirDateTime(until)))), Consents.PatientToken(patient));

        var before = await DecideAsync(patient, "researcher-1", purpose: "HRESCH");
        Assert.Equal(("permit", "ConsentPermitted"), Outcome(before));
        Assert.Equal(until, before.GetProperty("validUntil").GetDateTimeOffset(), TimeSpan.FromSeconds(1));

        Time.Advance(TimeSpan.FromHours(2));
        Assert.Equal(("deny", "ConsentDenied"), Outcome(await DecideAsync(patient, "researcher-1", purpose: "HRESCH")));
    }

    [Fact]
    public async Task Break_the_glass_overrides_a_deny_only_for_roles_allowed_to_and_is_audited()
    {
        var patient = NewPatient();
        var probe = new AuditQueueProbe(Broker);
        await Consents.CreateAsync(Tests.Consents.For(patient, FhirConsent.ConsentProvisionType.Deny), Consents.PatientToken(patient));

        var physician = await DecideAsync(patient, "dr-er", purpose: "BTG", roles: ["physician"], labels: ["PSY"]);
        var billing = await DecideAsync(patient, "clerk-1", purpose: "BTG", roles: ["billing"]);

        Assert.Equal(("permit", "EmergencyOverride"), Outcome(physician));
        Assert.Equal("applied", physician.GetProperty("breakTheGlass").GetString());
        Assert.Equal("emergency-access", physician.GetProperty("obligations")[0].GetProperty("code").GetString());
        Assert.Equal(("deny", "ConsentDenied"), Outcome(billing));
        Assert.Equal("refused-role", billing.GetProperty("breakTheGlass").GetString());

        var overridden = await probe.WaitForAsync<AuthorizationDecided>(decided => decided.PatientId == patient && decided.Actor.UserId == "dr-er");
        Assert.Equal((AuthorizationDecision.Permit, DecisionStep.BreakTheGlass, DecisionReason.EmergencyOverride, true),
            (overridden.Decision, overridden.DecidingStep, overridden.Reason, overridden.BreakTheGlass));
        Assert.Equal("spiffe://healthplatform/records", overridden.Actor.ServiceIdentity);
        var refused = await probe.WaitForAsync<AuthorizationDecided>(decided => decided.PatientId == patient && decided.Actor.UserId == "clerk-1");
        Assert.Equal((AuthorizationDecision.Deny, DecisionStep.Consent, DecisionReason.ConsentDenied), (refused.Decision, refused.DecidingStep, refused.Reason));
    }

    [Fact]
    public async Task When_provisions_contradict_each_other_deny_wins()
    {
        var patient = NewPatient();
        var token = Consents.PatientToken(patient);
        var permitting = await Consents.CreateAsync(Tests.Consents.For(patient, FhirConsent.ConsentProvisionType.Deny, Tests.Consents.Permit(practitioner: "dr-x")), token);
        Assert.Equal(("permit", "ConsentPermitted"), Outcome(await DecideAsync(patient, "dr-x")));

        // A second consent denies nurses; dr-x is a nurse too: the deny wins over the first consent's permit.
        var denying = await Consents.CreateAsync(Tests.Consents.For(patient, FhirConsent.ConsentProvisionType.Permit, Tests.Consents.Deny(role: "nurse")), token);
        var decided = await DecideAsync(patient, "dr-x", roles: ["nurse"]);
        Assert.Equal(("deny", "ConsentDenied"), Outcome(decided));
        Assert.Equal([denying], decided.GetProperty("basis").EnumerateArray().Select(basis => basis.GetProperty("consent").GetString()));
        Assert.NotEqual(permitting, denying);
    }

    [Fact]
    public async Task Organisations_and_client_apps_are_actors_too()
    {
        var patient = NewPatient();
        await Consents.CreateAsync(Tests.Consents.For(patient, FhirConsent.ConsentProvisionType.Permit,
            Tests.Consents.Provision(FhirConsent.ConsentProvisionType.Deny, organization: "clinic-9"),
            Tests.Consents.Provision(FhirConsent.ConsentProvisionType.Deny, client: "marketing-app")), Consents.PatientToken(patient));

        var fromClinic = await DecideAsync(patient, "dr-x", organization: "Organization/clinic-9");
        var fromClinicById = await DecideAsync(patient, "dr-x", organization: "clinic-9");
        var throughApp = await DecideAsync(patient, "dr-x", client: "marketing-app");
        var elsewhere = await DecideAsync(patient, "dr-x", organization: "hospital-1");

        Assert.Equal(("deny", "ConsentDenied"), Outcome(fromClinic));
        Assert.Equal(("deny", "ConsentDenied"), Outcome(fromClinicById));
        Assert.Equal("Consent.provision.provision[1]", throughApp.GetProperty("basis")[0].GetProperty("provision").GetString());
        Assert.Equal(("permit", "ConsentPermitted"), Outcome(elsewhere));
    }

    [Fact]
    public async Task Only_the_records_service_may_ask_and_a_malformed_question_is_refused_naming_its_fields()
    {
        var patient = NewPatient();
        using var fromAudit = await Consents.DecideAsync(Question(patient, "dr-x"), caller: ResourceNames.Audit);
        using var malformed = await Consents.DecideAsync(new { patient = "../etc", actor = new { roles = new[] { "janitor" } }, purpose = "SHOPPING", resourceType = "Horoscope", securityLabels = new[] { "TOPSECRET" } });

        Assert.Equal(HttpStatusCode.Forbidden, fromAudit.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        var errors = JsonDocument.Parse(await malformed.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.Equal(["actor", "patient", "purpose", "resourceType", "securityLabels"], errors.EnumerateObject().Select(error => error.Name).Order(StringComparer.Ordinal));
    }

    private async Task<JsonElement> DecideAsync(
        string patient, string user, string purpose = "TREAT", string resourceType = "Observation", string[]? labels = null, string[]? roles = null, string? organization = null, string client = "ehr-app")
    {
        using var response = await Consents.DecideAsync(Question(patient, user, purpose, resourceType, labels, roles, organization, client));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    internal static object Question(
        string patient, string user, string purpose = "TREAT", string resourceType = "Observation", string[]? labels = null, string[]? roles = null, string? organization = null, string client = "ehr-app") => new
    {
        patient,
        actor = new { user, practitioner = "Practitioner/" + user, roles = roles ?? ["physician"], organization, client },
        purpose,
        resourceType,
        securityLabels = labels ?? [],
    };

    private static (string?, string?) Outcome(JsonElement decision) => (decision.GetProperty("decision").GetString(), decision.GetProperty("reason").GetString());
}
