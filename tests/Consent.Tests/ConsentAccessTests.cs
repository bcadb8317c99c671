using System.Net;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.Testing;
using FhirConsent = Hl7.Fhir.Model.Consent;

namespace HealthPlatform.Consent.Tests;

/// <summary>A patient reaches only their own consents; staff in a recording role write on a patient's behalf; nobody else reaches any.</summary>
public sealed class ConsentAccessTests(PostgresServerFixture postgres, RedisServerFixture redis, RabbitMqServerFixture broker)
    : ConsentServiceTest(postgres, redis, broker)
{
    [Fact]
    public async Task A_patient_cannot_read_search_change_revoke_or_create_another_patients_consents()
    {
        var alice = NewPatient();
        var bob = NewPatient();
        var probe = new AuditQueueProbe(Broker);
        var bobsConsent = await Consents.CreateAsync(Tests.Consents.For(bob, FhirConsent.ConsentProvisionType.Deny), Consents.PatientToken(bob));
        var alices = Consents.PatientToken(alice);
        var changed = Tests.Consents.For(bob, FhirConsent.ConsentProvisionType.Permit);
        changed.Id = bobsConsent;

        using var read = await Consents.SendAsync(HttpMethod.Get, $"/fhir/Consent/{bobsConsent}", alices);
        using var history = await Consents.SendAsync(HttpMethod.Get, $"/fhir/Consent/{bobsConsent}/_history", alices);
        using var version = await Consents.SendAsync(HttpMethod.Get, $"/fhir/Consent/{bobsConsent}/_history/1", alices);
        using var update = await Consents.SendAsync(HttpMethod.Put, $"/fhir/Consent/{bobsConsent}", alices, ConsentHost.ToJson(changed));
        using var revoke = await Consents.SendAsync(HttpMethod.Post, $"/fhir/Consent/{bobsConsent}/$revoke", alices);
        using var search = await Consents.SendAsync(HttpMethod.Get, $"/fhir/Consent?patient={bob}", alices);
        using var create = await Consents.SendAsync(HttpMethod.Post, "/fhir/Consent", alices, ConsentHost.ToJson(Tests.Consents.For(bob, FhirConsent.ConsentProvisionType.Permit)));
        var hersToBobsId = Tests.Consents.For(alice, FhirConsent.ConsentProvisionType.Permit);
        hersToBobsId.Id = bobsConsent;
        using var overwrite = await Consents.SendAsync(HttpMethod.Put, $"/fhir/Consent/{bobsConsent}", alices, ConsentHost.ToJson(hersToBobsId));

        // What Alice may not reach does not exist for her; asking for Bob's list or writing for Bob is refused.
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, history.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, version.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, update.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, search.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, overwrite.StatusCode);

        // The 404s leave a trace: each probe of Bob's consents is a refused attempt on Bob's data.
        var probes = new List<AuthorizationDecided>();
        for (var count = 0; count < 5; count++)
        {
            probes.Add(await probe.WaitForAsync<AuthorizationDecided>(decided => decided.PatientId == bob && decided.Actor.UserId == "user-" + alice));
        }

        Assert.All(probes, decided => Assert.Equal((AuthorizationDecision.Deny, DecisionStep.PatientContext, DecisionReason.OtherPatient), (decided.Decision, decided.DecidingStep, decided.Reason)));
        Assert.Equal(1L, await Consents.QueryAsync<long>($"SELECT count(*) FROM consent_versions WHERE patient_id = '{bob}'"));
        Assert.Equal("active", await Consents.QueryAsync<string>($"SELECT status FROM consents WHERE id = '{bobsConsent}'"));
        Assert.Equal(0L, await Consents.QueryAsync<long>($"SELECT count(*) FROM consents WHERE patient_id = '{alice}'"));
    }

    [Fact]
    public async Task Staff_in_a_recording_role_record_a_consent_on_the_patients_behalf_and_it_is_audited_as_such()
    {
        var patient = NewPatient();
        var probe = new AuditQueueProbe(Broker);

        var id = await Consents.CreateAsync(Tests.Consents.For(patient, FhirConsent.ConsentProvisionType.Permit), Consents.StaffToken("nurse", subject: "nurse-jo"));

        var changed = await probe.WaitForAsync<ConsentChanged>(consent => consent.ConsentId == id);
        Assert.True(changed.RecordedOnBehalfOfPatient);
        Assert.Equal(ConsentChange.Created, changed.Change);
        Assert.Equal("nurse-jo", changed.Actor.UserId);
        Assert.Equal(patient, changed.PatientId);
        Assert.True(await Consents.QueryAsync<bool>($"SELECT on_behalf_of_patient FROM consent_versions WHERE consent_id = '{id}'"));

        // The patient's own change is not on anyone's behalf; a read is audited as an access to the patient's data.
        using var revoke = await Consents.SendAsync(HttpMethod.Post, $"/fhir/Consent/{id}/$revoke", Consents.PatientToken(patient));
        var revoked = await probe.WaitForAsync<ConsentChanged>(consent => consent.ConsentId == id && consent.Change == ConsentChange.Revoked);
        Assert.False(revoked.RecordedOnBehalfOfPatient);
        Assert.Equal(2, revoked.Version);
        using var read = await Consents.SendAsync(HttpMethod.Get, $"/fhir/Consent/{id}", Consents.StaffToken("physician", scope: "user/Consent.rs", subject: "dr-ann"));
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var access = await probe.WaitForAsync<PatientDataAccessed>(accessed => accessed.PatientId == patient && accessed.Actor.UserId == "dr-ann");
        Assert.Equal("Consent", access.ResourceType);
        Assert.Equal([id], access.ResourceIds);
    }

    [Fact]
    public async Task Staff_may_not_record_change_or_revoke_a_consent_that_names_them()
    {
        var patient = NewPatient();
        var shutOut = await Consents.CreateAsync(Tests.Consents.For(patient, FhirConsent.ConsentProvisionType.Permit, Tests.Consents.Deny(practitioner: "nurse-x")), Consents.PatientToken(patient));
        var nurseX = Consents.StaffToken("nurse", subject: "nurse-x");
        var grantingHerself = ConsentHost.ToJson(Tests.Consents.For(patient, FhirConsent.ConsentProvisionType.Deny, Tests.Consents.Permit(practitioner: "nurse-x", labels: ["HIV"])));
        var byRole = ConsentHost.ToJson(Tests.Consents.For(patient, FhirConsent.ConsentProvisionType.Permit, Tests.Consents.Deny(role: "nurse")));

        using var revoke = await Consents.SendAsync(HttpMethod.Post, $"/fhir/Consent/{shutOut}/$revoke", nurseX);
        using var grant = await Consents.SendAsync(HttpMethod.Post, "/fhir/Consent", nurseX, grantingHerself);
        using var aboutHerRole = await Consents.SendAsync(HttpMethod.Post, "/fhir/Consent", nurseX, byRole);

        Assert.Equal(HttpStatusCode.Forbidden, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, grant.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, aboutHerRole.StatusCode);
        Assert.Equal("active", await Consents.QueryAsync<string>($"SELECT status FROM consents WHERE id = '{shutOut}'"));
        Assert.Equal(1L, await Consents.QueryAsync<long>($"SELECT count(*) FROM consent_versions WHERE patient_id = '{patient}'"));

        // A physician the consent does not name may record it for the patient; so may the patient.
        using var byPhysician = await Consents.SendAsync(HttpMethod.Post, "/fhir/Consent", Consents.StaffToken("physician", subject: "dr-ann"), byRole);
        Assert.Equal(HttpStatusCode.Created, byPhysician.StatusCode);
        using var byPatient = await Consents.SendAsync(HttpMethod.Post, $"/fhir/Consent/{shutOut}/$revoke", Consents.PatientToken(patient));
        Assert.Equal(HttpStatusCode.OK, byPatient.StatusCode);

        // Staff who may revoke but not read get the outcome, not the consent.
        var another = await Consents.CreateAsync(Tests.Consents.For(patient, FhirConsent.ConsentProvisionType.Deny), Consents.PatientToken(patient));
        using var revokeOnly = await Consents.SendAsync(HttpMethod.Post, $"/fhir/Consent/{another}/$revoke", Consents.StaffToken("physician", scope: "user/Consent.u", subject: "dr-ann"));
        Assert.Equal(HttpStatusCode.OK, revokeOnly.StatusCode);
        Assert.Equal("OperationOutcome", System.Text.Json.JsonDocument.Parse(await revokeOnly.Content.ReadAsStringAsync()).RootElement.GetProperty("resourceType").GetString());
        Assert.Equal("W/\"2\"", revokeOnly.Headers.ETag!.ToString());
        Assert.Equal("inactive", await Consents.QueryAsync<string>($"SELECT status FROM consents WHERE id = '{another}'"));

        // Revoking it again changes nothing and shows nothing of it.
        using var again = await Consents.SendAsync(HttpMethod.Post, $"/fhir/Consent/{shutOut}/$revoke", Consents.PatientToken(patient));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("OperationOutcome", System.Text.Json.JsonDocument.Parse(await again.Content.ReadAsStringAsync()).RootElement.GetProperty("resourceType").GetString());
        Assert.Equal(2L, await Consents.QueryAsync<long>($"SELECT count(*) FROM consent_versions WHERE consent_id = '{shutOut}'"));
    }

    [Fact]
    public async Task Staff_outside_the_recording_roles_and_tokens_without_a_user_are_refused()
    {
        var patient = NewPatient();
        var body = ConsentHost.ToJson(Tests.Consents.For(patient, FhirConsent.ConsentProvisionType.Permit));
        var clientOnly = Consents.Token(new Dictionary<string, object> { ["client_id"] = "batch-job", ["scope"] = "system/Consent.cruds" });

        using var billing = await Consents.SendAsync(HttpMethod.Post, "/fhir/Consent", Consents.StaffToken("billing", subject: "bill-1"), body);
        using var admin = await Consents.SendAsync(HttpMethod.Post, "/fhir/Consent", Consents.StaffToken("admin", subject: "admin-ada"), body);
        using var system = await Consents.SendAsync(HttpMethod.Post, "/fhir/Consent", clientOnly, body);
        using var patientWithoutContext = await Consents.SendAsync(HttpMethod.Post, "/fhir/Consent", Consents.Token(new Dictionary<string, object>
        {
            ["sub"] = "user-" + patient, ["role"] = "patient", ["scope"] = "user/Consent.cruds",
        }), body);

        Assert.Equal(HttpStatusCode.Forbidden, billing.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, admin.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, system.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, patientWithoutContext.StatusCode);
        Assert.Equal(0L, await Consents.QueryAsync<long>("SELECT count(*) FROM consent_versions"));
    }

    [Fact]
    public async Task What_a_consent_says_is_never_readable_in_the_consent_database()
    {
        var patient = NewPatient();
        const string Marker = "MARKER-7f3a9c";
        var consent = Tests.Consents.For(patient, FhirConsent.ConsentProvisionType.Permit,
            Tests.Consents.Deny(practitioner: "dr-" + Marker.ToLowerInvariant(), labels: ["HIV"]));
        consent.Provision!.Provision[0].Actor[0].Reference!.Display = Marker;
        var id = await Consents.CreateAsync(consent, Consents.PatientToken(patient));

        // The sealed content holds neither the marker, nor the practitioner, nor the label, as bytes;
        // and it is not JSON. Every other column of every table, as text, holds none of them either.
        var inContent = await Consents.QueryAsync<long>(
            $"""
            SELECT count(*) FROM consent_versions
            WHERE position(convert_to('{Marker}', 'UTF8') IN content) > 0
               OR position(convert_to('{Marker.ToLowerInvariant()}', 'UTF8') IN content) > 0
               OR position(convert_to('HIV', 'UTF8') IN content) > 0
               OR position(convert_to('resourceType', 'UTF8') IN content) > 0
               OR get_byte(content, 0) = 123
            """);
        var inColumns = await Consents.QueryAsync<long>(
            $"""
            SELECT (SELECT count(*) FROM consents c WHERE c::text ILIKE '%{Marker}%' OR c::text LIKE '%HIV%')
                 + (SELECT count(*) FROM consent_versions v WHERE (v.consent_id || v.patient_id || v.status || v.recorded_by || v.change) ILIKE '%{Marker}%'
                                                             OR (v.consent_id || v.patient_id || v.status || v.recorded_by || v.change) LIKE '%HIV%')
                 + (SELECT count(*) FROM audit_outbox o WHERE o::text ILIKE '%{Marker}%' OR o::text LIKE '%HIV%')
            """);
        Assert.Equal(0L, inContent);
        Assert.Equal(0L, inColumns);
        Assert.Equal(1L, await Consents.QueryAsync<long>($"SELECT count(*) FROM consent_versions WHERE consent_id = '{id}' AND length(content) > 100"));

        // Through the API the owner reads it back whole.
        using var read = await Consents.SendAsync(HttpMethod.Get, $"/fhir/Consent/{id}", Consents.PatientToken(patient));
        Assert.Contains(Marker, await read.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_role_the_service_runs_as_can_record_consents_but_not_rewrite_or_delete_them()
    {
        var patient = NewPatient();
        var token = Consents.PatientToken(patient);
        var id = await Consents.CreateAsync(Tests.Consents.For(patient, FhirConsent.ConsentProvisionType.Deny), token);
        using var revoke = await Consents.SendAsync(HttpMethod.Post, $"/fhir/Consent/{id}/$revoke", token);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Equal("Healthy", await Consents.Service.HealthOfAsync(Extensions.Extensions.AppendOnlyCheck));

        // Everything the API did went through the runtime role; rewriting a recorded version, deleting
        // one, deleting a consent or emptying a table does not.
        foreach (var sql in new[]
        {
            $"UPDATE consent_versions SET content = '\\x00' WHERE consent_id = '{id}'",
            $"UPDATE consent_versions SET status = 'active' WHERE consent_id = '{id}'",
            $"DELETE FROM consent_versions WHERE consent_id = '{id}'",
            $"DELETE FROM consents WHERE id = '{id}'",
            $"UPDATE consents SET patient_id = 'someone-else' WHERE id = '{id}'",
            "TRUNCATE consent_versions",
        })
        {
            await using var connection = new Npgsql.NpgsqlConnection(Consents.Database.Runtime);
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand(sql, connection);
            var refused = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => command.ExecuteNonQueryAsync());
            Assert.Equal(Npgsql.PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        }

        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while (await Consents.QueryAsync<long>($"SELECT count(*) FROM consent_versions WHERE consent_id = '{id}' AND published_at IS NULL") > 0)
            {
                await Task.Delay(100, deadline.Token);
            }
        }

        // What the role may update, it may only move forward with the history: switching the consent back on,
        // rolling it back, or clearing a version's fan-out mark (so it is sent again, or hidden) is refused.
        foreach (var sql in new[]
        {
            $"UPDATE consents SET status = 'active' WHERE id = '{id}'",
            $"UPDATE consents SET version = 1, status = 'active' WHERE id = '{id}'",
            $"UPDATE consents SET version = version + 1 WHERE id = '{id}'",
            $"UPDATE consent_versions SET published_at = NULL WHERE consent_id = '{id}' AND published_at IS NOT NULL",
        })
        {
            await using var connection = new Npgsql.NpgsqlConnection(Consents.Database.Runtime);
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand(sql, connection);
            var refused = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => command.ExecuteNonQueryAsync());
            Assert.Equal(Npgsql.PostgresErrorCodes.IntegrityConstraintViolation, refused.SqlState);
        }

        Assert.Equal("inactive", await Consents.QueryAsync<string>($"SELECT status FROM consents WHERE id = '{id}' AND version = 2"));
        Assert.Equal(2L, await Consents.QueryAsync<long>($"SELECT count(*) FROM consent_versions WHERE consent_id = '{id}'"));
        using var history = await Consents.SendAsync(HttpMethod.Get, $"/fhir/Consent/{id}/_history", token);
        Assert.Equal(HttpStatusCode.OK, history.StatusCode);

        // A role given more than that by hand, a column or a whole table, holds the service back as not ready.
        var runtimeRole = new Npgsql.NpgsqlConnectionStringBuilder(Consents.Database.Runtime).Username;
        foreach (var grant in new[] { "UPDATE (content) ON consent_versions", "DELETE ON consents" })
        {
            await Consents.QueryAsync<object>($"GRANT {grant} TO \"{runtimeRole}\"; SELECT 1");
            Assert.Equal("Unhealthy", await Consents.Service.HealthOfAsync(Extensions.Extensions.AppendOnlyCheck));
            await Consents.QueryAsync<object>($"REVOKE {grant} FROM \"{runtimeRole}\"; SELECT 1");
            Assert.Equal("Healthy", await Consents.Service.HealthOfAsync(Extensions.Extensions.AppendOnlyCheck));
        }
    }
}
