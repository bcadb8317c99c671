using System.Net;
using System.Text.Json;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.KeyManagement.Tests;
using HealthPlatform.Testing;

namespace HealthPlatform.Audit.Tests;

/// <summary>
/// <c>/fhir/AuditEvent</c>: stored events come back as FHIR AuditEvents in BALP shapes, searchable
/// and paged; security officers see everything, a patient only who accessed their own data, anyone
/// else nothing; bad parameters and refusals are OperationOutcomes; searches are audited too.
/// </summary>
[Collection(AuditInfrastructure.Name)]
public sealed class AuditEventSearchTests(PostgresServerFixture postgres, RedisServerFixture redis, RabbitMqServerFixture broker) : AuditServiceTest(postgres, redis, broker)
{
    private readonly string _patientA = $"pa-{Guid.NewGuid():N}"[..20];
    private readonly string _patientB = $"pb-{Guid.NewGuid():N}"[..20];

    [Fact]
    public async Task ASecurityOfficer_FindsAccessesAsBalpAuditEvents_ByPatientAndByAgent()
    {
        await StoreAsync(
            AuditService.Access(_patientA) with { Header = AuditService.Trail.NewHeader() with { TraceId = "4bf92f3577b34da6a3ce929d0e0e4736" } },
            AuditService.Access(_patientA, userId: "nurse-3"),
            AuditService.Access(_patientB));

        var byPatient = await SearchAsync($"patient=Patient/{_patientA}");
        var entries = Resources(byPatient);
        Assert.Equal(2, entries.Count);
        var first = entries.Single(resource => Agents(resource).Contains("practitioner-7"));
        Assert.Equal("AuditEvent", first.GetProperty("resourceType").GetString());
        Assert.Equal("https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.Read", first.GetProperty("meta").GetProperty("profile")[0].GetString());
        Assert.Equal("rest", first.GetProperty("type").GetProperty("code").GetString());
        Assert.Equal("read", first.GetProperty("subtype")[0].GetProperty("code").GetString());
        Assert.Equal("R", first.GetProperty("action").GetString());
        Assert.Equal("0", first.GetProperty("outcome").GetString());
        Assert.Equal("TREAT", first.GetProperty("purposeOfEvent")[0].GetProperty("coding")[0].GetProperty("code").GetString());
        var user = first.GetProperty("agent").EnumerateArray().Single(agent => agent.GetProperty("requestor").GetBoolean());
        Assert.Equal("127.0.0.1", user.GetProperty("network").GetProperty("address").GetString());
        Assert.Contains(first.GetProperty("agent").EnumerateArray(), agent => agent.GetProperty("who").GetProperty("identifier").GetProperty("value").GetString() == "ehr-app");
        var references = first.GetProperty("entity").EnumerateArray()
            .Where(entity => entity.TryGetProperty("what", out var what) && what.TryGetProperty("reference", out _))
            .Select(entity => entity.GetProperty("what").GetProperty("reference").GetString()).ToList();
        Assert.Contains($"Patient/{_patientA}", references);
        Assert.Contains("Observation/obs-1", references);
        Assert.Contains(first.GetProperty("entity").EnumerateArray(), entity =>
            entity.TryGetProperty("type", out var type) && type.GetProperty("code").GetString() == "XrequestId"
            && entity.GetProperty("what").GetProperty("identifier").GetProperty("value").GetString() == "4bf92f3577b34da6a3ce929d0e0e4736");

        var byAgent = Resources(await SearchAsync($"agent=nurse-3&patient={_patientA}"));
        Assert.Equal(["nurse-3"], byAgent.SelectMany(Agents).Where(agent => agent != "ehr-app").Distinct());

        // Key-management's own operations (signing the checkpoints) arrive and are searchable too.
        await AuditService.WaitForCheckpointAsync(1);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!Resources(await SearchAsync("action=E&outcome=0&_count=200")).Any(resource =>
                   resource.GetProperty("type").GetProperty("code").GetString() == nameof(KeyOperationPerformed)
                   && resource.GetProperty("source").GetProperty("observer").GetProperty("display").GetString() == "key-management"))
        {
            await Task.Delay(200, deadline.Token);
        }
    }

    [Fact]
    public async Task Results_ArePagedNewestFirst_AndFilterByDateActionAndOutcome()
    {
        var accesses = Enumerable.Range(0, 7).Select(_ => AuditService.Access(_patientA)).ToList();
        var denied = AuditService.Access(_patientA) with { Action = AuditAction.Update, Outcome = AuditOutcome.Denied };
        await StoreAsync([.. accesses, denied]);

        // (Only reads and updates: each search of the patient's history is itself recorded, as an E.)
        var seen = new List<string>();
        var page = await SearchAsync($"patient={_patientA}&action=R,U&_count=3");
        var pages = 1;
        while (true)
        {
            seen.AddRange(Resources(page).Select(resource => resource.GetProperty("id").GetString()!));
            var next = page.GetProperty("link").EnumerateArray().FirstOrDefault(link => link.GetProperty("relation").GetString() == "next");
            if (next.ValueKind == JsonValueKind.Undefined)
            {
                break;
            }

            page = await GetJsonAsync(new Uri(next.GetProperty("url").GetString()!).PathAndQuery, AuditService.OfficerToken());
            pages++;
        }

        Assert.Equal(3, pages);
        Assert.Equal(8, seen.Distinct().Count());
        Assert.Equal(denied.Header.EventId.ToString(), seen[0]);

        Assert.Equal(8, Resources(await SearchAsync($"patient={_patientA}&action=R,U&date=ge{DateTime.UtcNow.AddDays(-1):yyyy-MM-dd}&date=lt{DateTime.UtcNow.AddDays(2):yyyy-MM-dd}")).Count);
        Assert.Empty(Resources(await SearchAsync($"patient={_patientA}&date=gt{DateTime.UtcNow.AddDays(1):yyyy-MM-dd}")));
        Assert.Empty(Resources(await SearchAsync($"patient={_patientA}&date=lt2020")));
        Assert.Empty(Resources(await SearchAsync($"patient={_patientA}&date=le{DateTime.UtcNow.AddMinutes(-10):yyyy-MM-ddTHH:mm:ss}Z")));
        var onlyDenied = Resources(await SearchAsync($"patient={_patientA}&outcome=4"));
        Assert.Equal(denied.Header.EventId.ToString(), Assert.Single(onlyDenied).GetProperty("id").GetString());
        Assert.Single(Resources(await SearchAsync($"patient={_patientA}&action=U,C")));
        Assert.Equal(7, Resources(await SearchAsync($"patient={_patientA}&action=R")).Count);
    }

    [Theory]
    [InlineData("foo=bar", "foo")]
    [InlineData("date=xx2026-01-01", "date")]
    [InlineData("date=ge2026-01-01T10:00:00", "date")]
    [InlineData("date=sa2026-01-01", "date")]
    [InlineData("_count=0", "_count")]
    [InlineData("_count=201", "_count")]
    [InlineData("patient=not%20an%20id", "patient")]
    [InlineData("action=X", "action")]
    [InlineData("outcome=1", "outcome")]
    [InlineData("patient=a&patient=b", "patient")]
    [InlineData("_cursor=-4", "_cursor")]
    public async Task BadParameters_AreRefusedWithAnOperationOutcomeNamingThem(string query, string parameter)
    {
        using var response = await AuditService.SendAsync(HttpMethod.Get, $"/fhir/AuditEvent?{query}", AuditService.OfficerToken());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
        var issue = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("issue")[0];
        Assert.Equal("invalid", issue.GetProperty("code").GetString());
        Assert.Equal(parameter, issue.GetProperty("expression")[0].GetString());
    }

    [Fact]
    public async Task APatient_SeesWhoAccessedTheirOwnData_AndNothingElse()
    {
        await StoreAsync(AuditService.Access(_patientA), AuditService.Access(_patientA, userId: "nurse-3"), AuditService.Access(_patientB));
        await AuditService.Trail.RecordAsync(new SecurityEventRecorded
        {
            Header = AuditService.Trail.NewHeader(),
            Kind = SecurityEventKind.AuthenticationFailed,
            Actor = new AuditActor { UserId = "patient-user-a", NetworkAddress = "127.0.0.1" },
            Outcome = AuditOutcome.Denied,
        });
        var patient = PatientToken(_patientA);

        var own = Resources(await GetJsonAsync("/fhir/AuditEvent", patient));
        Assert.Equal(2, own.Count);
        Assert.All(own, resource => Assert.Contains(resource.GetProperty("entity").EnumerateArray(), entity =>
            entity.TryGetProperty("what", out var what) && what.TryGetProperty("reference", out var reference) && reference.GetString() == $"Patient/{_patientA}"));
        Assert.Equal(["nurse-3", "practitioner-7"], own.SelectMany(Agents).Where(agent => agent != "ehr-app").Order());

        // Their own search is now in their history too (an E by them); the accesses are still the two.
        Assert.Equal(2, Resources(await GetJsonAsync($"/fhir/AuditEvent?patient={_patientA}&action=R", patient)).Count);

        // One event by id (an alert's evidence): their own, yes; someone else's is "not found", as for an officer a made-up id.
        var ownId = own[0].GetProperty("id").GetString();
        using (var read = await AuditService.SendAsync(HttpMethod.Get, $"/fhir/AuditEvent/{ownId}", patient))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Equal(ownId, JsonDocument.Parse(await read.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString());
        }

        var othersId = Resources(await SearchAsync($"patient={_patientB}&action=R"))[0].GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.OK, (await AuditService.SendAsync(HttpMethod.Get, $"/fhir/AuditEvent/{othersId}", AuditService.OfficerToken())).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await AuditService.SendAsync(HttpMethod.Get, $"/fhir/AuditEvent/{othersId}", patient)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await AuditService.SendAsync(HttpMethod.Get, $"/fhir/AuditEvent/{Guid.NewGuid()}", AuditService.OfficerToken())).StatusCode);

        // Another patient's history: nothing (an empty page, not even a hint that it exists).
        Assert.Empty(Resources(await GetJsonAsync($"/fhir/AuditEvent?patient={_patientB}", patient)));
        // Their failed sign-in is a security event: the security officer's to see, not in their accounting.
        Assert.All(Resources(await GetJsonAsync("/fhir/AuditEvent?agent=patient-user-a", patient)), resource =>
            Assert.Equal("rest", resource.GetProperty("type").GetProperty("code").GetString()));
        Assert.Contains(Resources(await SearchAsync("agent=patient-user-a")), resource =>
            resource.GetProperty("type").GetProperty("code").GetString() == nameof(SecurityEventRecorded));
    }

    [Fact]
    public async Task EveryoneElse_IsRefusedWithAnOperationOutcome()
    {
        var physician = AuditService.Token(new Dictionary<string, object> { ["sub"] = "practitioner-7", ["scope"] = "user/AuditEvent.rs", ["role"] = "physician", ["amr"] = new[] { "pwd", "mfa" } });
        var officerWithoutMfa = AuditService.OfficerToken(amr: ["pwd"]);
        var patientScopeWithoutContext = AuditService.Token(new Dictionary<string, object> { ["sub"] = "patient-user-a", ["scope"] = "patient/AuditEvent.rs" });
        var wrongScope = AuditService.OfficerToken(scope: "user/Observation.rs");

        foreach (var (token, status) in new[]
        {
            ((string?)null, HttpStatusCode.Unauthorized),
            ("not-a-token", HttpStatusCode.Unauthorized),
            (physician, HttpStatusCode.Forbidden),
            (officerWithoutMfa, HttpStatusCode.Forbidden),
            (patientScopeWithoutContext, HttpStatusCode.Forbidden),
            (wrongScope, HttpStatusCode.Forbidden),
        })
        {
            using var response = await AuditService.SendAsync(HttpMethod.Get, "/fhir/AuditEvent", token);
            Assert.Equal(status, response.StatusCode);
            Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("OperationOutcome", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("resourceType").GetString());
        }
    }

    [Fact]
    public async Task Searches_AreThemselvesAudited()
    {
        await StoreAsync(AuditService.Access(_patientA));

        await SearchAsync($"patient={_patientA}");
        await SearchAsync("action=E");
        await GetJsonAsync("/fhir/AuditEvent", PatientToken(_patientA));

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await AuditService.QueryAsync<long>(
                   "SELECT count(*) FROM audit_entries WHERE event_type = 'PatientDataAccessed' AND patient_id = @patient AND payload::jsonb->>'resourceType' = 'AuditEvent'", ("patient", _patientA)) < 2
               || await AuditService.QueryAsync<long>("SELECT count(*) FROM audit_entries WHERE event_type = 'SecurityEventRecorded' AND payload::jsonb->>'kind' = 'AuditLogQueried'") < 1)
        {
            await Task.Delay(200, deadline.Token);
        }

        var purposes = Resources(await SearchAsync($"patient={_patientA}&action=E"))
            .Where(resource => resource.GetProperty("entity").EnumerateArray().Any(entity => entity.TryGetProperty("detail", out var detail) && detail[0].GetProperty("valueString").GetString() == "AuditEvent"))
            .Select(resource => resource.GetProperty("purposeOfEvent")[0].GetProperty("coding")[0].GetProperty("code").GetString())
            .ToHashSet();
        Assert.Contains("PATRQT", purposes);
        Assert.Contains("HOPERAT", purposes);
    }

    private string PatientToken(string patientId) => AuditService.Token(new Dictionary<string, object>
    {
        ["sub"] = "patient-user-a",
        ["client_id"] = "patient-portal",
        ["scope"] = "patient/AuditEvent.rs",
        ["patient"] = patientId,
        ["role"] = "patient",
    });

    private async Task StoreAsync(params AuditEvent[] events)
    {
        foreach (var auditEvent in events)
        {
            await AuditService.Trail.RecordAsync(auditEvent);
        }

        await AuditService.WaitForEventsAsync([.. events.Select(auditEvent => auditEvent.Header.EventId)]);
    }

    private Task<JsonElement> SearchAsync(string query) => GetJsonAsync($"/fhir/AuditEvent?{query}", AuditService.OfficerToken());

    private async Task<JsonElement> GetJsonAsync(string path, string token)
    {
        using var response = await AuditService.SendAsync(HttpMethod.Get, path, token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
        var bundle = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        Assert.Equal("Bundle", bundle.GetProperty("resourceType").GetString());
        Assert.Equal("searchset", bundle.GetProperty("type").GetString());
        return bundle;
    }

    private static List<JsonElement> Resources(JsonElement bundle) =>
        bundle.TryGetProperty("entry", out var entries) ? [.. entries.EnumerateArray().Select(entry => entry.GetProperty("resource"))] : [];

    private static IEnumerable<string> Agents(JsonElement resource) =>
        resource.GetProperty("agent").EnumerateArray()
            .Where(agent => agent.TryGetProperty("who", out var who) && who.TryGetProperty("identifier", out _))
            .Select(agent => agent.GetProperty("who").GetProperty("identifier").GetProperty("value").GetString()!);
}
