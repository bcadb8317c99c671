using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.KeyManagement.Tests;
using HealthPlatform.Testing;

namespace HealthPlatform.Audit.Tests;

/// <summary>
/// Each detection rule fires on a crafted burst and stays quiet on normal traffic; alerts are
/// stored, recorded in the log, delivered (signed) to the webhook and handled through the alerts
/// API; and one rule end to end: a request with a revoked token, its audit event through RabbitMQ,
/// the alert at the webhook.
/// </summary>
[Collection(AuditInfrastructure.Name)]
public sealed class DetectionTests(PostgresServerFixture postgres, RedisServerFixture redis, RabbitMqServerFixture broker) : AuditServiceTest(postgres, redis, broker)
{
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private WebhookReceiver _webhook = null!;

    /// <summary>A Tuesday at 10:00 UTC (working hours) in the past week: every event of a burst falls in one window.</summary>
    private static readonly DateTimeOffset WorkingHours = LastWeekday(DayOfWeek.Tuesday).AddHours(10);

    /// <summary>A Sunday at 03:00 UTC.</summary>
    private static readonly DateTimeOffset OffHours = LastWeekday(DayOfWeek.Sunday).AddHours(3);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _webhook.DisposeAsync();
    }

    protected override async Task<IDictionary<string, string?>?> BeforeStartAsync()
    {
        _webhook = await WebhookReceiver.StartAsync();
        return new Dictionary<string, string?>
        {
            ["AuditLog:Detection:KeyPrefix"] = $"test:{_run}",
            ["AuditLog:Detection:PollInterval"] = "00:00:00.200",
            ["AuditLog:Detection:HighVolume:Threshold"] = "5",
            ["AuditLog:Detection:HighVolume:Window"] = "01:00:00",
            ["AuditLog:Detection:ManyDistinctPatients:Threshold"] = "3",
            ["AuditLog:Detection:DenialSpike:Threshold"] = "5",
            ["AuditLog:Detection:DenialSpike:Window"] = "01:00:00",
            ["AuditLog:Alerts:WebhookUrl"] = _webhook.Url.AbsoluteUri,
            ["AuditLog:Alerts:WebhookSecret"] = _webhook.Secret,
        };
    }

    [Fact]
    public async Task HighVolume_FiresOnceWhenOneActorReadsMoreThanTheThreshold_NotForOrdinaryUse()
    {
        var (heavy, normal) = ($"heavy-{_run}", $"normal-{_run}");
        await StoreAsync([.. Enumerable.Range(0, 6).Select(i => Access(heavy, $"p{i % 2}-{_run}", WorkingHours)), .. Enumerable.Range(0, 4).Select(_ => Access(normal, $"p0-{_run}", WorkingHours))]);

        var alert = await WaitForAlertAsync(AlertRule.HighVolume, heavy);
        Assert.Equal(6, alert.GetProperty("observed_count").GetInt32());
        Assert.Equal("High", alert.GetProperty("severity").GetString());
        Assert.Equal(6, alert.GetProperty("related_event_ids").GetArrayLength());

        // More of the same in the window: no second alert; the ordinary reader never had one.
        await StoreAsync([.. Enumerable.Range(0, 3).Select(_ => Access(heavy, $"p0-{_run}", WorkingHours))]);
        await SettleAsync();
        Assert.Single(await AlertsAsync(AlertRule.HighVolume, heavy));
        Assert.Empty(await AlertsAsync(AlertRule.HighVolume, normal));
    }

    [Fact]
    public async Task ManyDistinctPatients_FiresWhenOneActorTouchesMoreThanTheThreshold_NotForRepeatedReadsOfOne()
    {
        var (browsing, focused) = ($"browse-{_run}", $"focus-{_run}");
        await StoreAsync([.. Enumerable.Range(0, 4).Select(i => Access(browsing, $"d{i}-{_run}", WorkingHours)), .. Enumerable.Range(0, 5).Select(_ => Access(focused, $"d0-{_run}", WorkingHours))]);

        var alert = await WaitForAlertAsync(AlertRule.ManyDistinctPatients, browsing);
        Assert.Equal(4, alert.GetProperty("observed_count").GetInt32());
        await SettleAsync();
        Assert.Empty(await AlertsAsync(AlertRule.ManyDistinctPatients, focused));
    }

    [Fact]
    public async Task OffHoursAccess_FiresOncePerActorAndWindow_NotInWorkingHours()
    {
        var (night, day, patient, job) = ($"night-{_run}", $"day-{_run}", $"patient-{_run}", $"job-{_run}");
        var atHome = Access(patient, $"n-{_run}", OffHours);
        var nightlyJob = Access(job, $"n-{_run}", OffHours);
        await StoreAsync(
            Access(night, $"n-{_run}", OffHours),
            Access(night, $"n-{_run}", OffHours.AddMinutes(5)),
            Access(day, $"n-{_run}", WorkingHours),
            atHome with { Actor = atHome.Actor with { Roles = ["patient"] } },
            nightlyJob with { Actor = nightlyJob.Actor with { ClientId = job, Roles = [] } });

        var alert = await WaitForAlertAsync(AlertRule.OffHoursAccess, night);
        Assert.Equal("Medium", alert.GetProperty("severity").GetString());
        await SettleAsync();
        Assert.Single(await AlertsAsync(AlertRule.OffHoursAccess, night));
        Assert.Empty(await AlertsAsync(AlertRule.OffHoursAccess, day));

        // Working hours are the staff's: a patient at home at night, or a client-credentials job, is no alert.
        Assert.Empty(await AlertsAsync(AlertRule.OffHoursAccess, patient));
        Assert.Empty(await AlertsAsync(AlertRule.OffHoursAccess, job));
    }

    [Fact]
    public async Task BreakTheGlass_FiresOnEveryUse()
    {
        var (clinician, other) = ($"btg-{_run}", $"nobtg-{_run}");
        var emergency = Access(clinician, $"e-{_run}", WorkingHours) with
        {
            BreakTheGlass = true,
            BreakTheGlassReason = BreakTheGlassReason.MedicalEmergency,
            PurposeOfUse = PurposeOfUse.Emergency,
        };
        await StoreAsync(emergency, Access(other, $"e-{_run}", WorkingHours));

        var alert = await WaitForAlertAsync(AlertRule.BreakTheGlassUsed, clinician);
        Assert.Equal(emergency.Header.EventId.ToString(), alert.GetProperty("related_event_ids")[0].GetString());
        await SettleAsync();
        Assert.Empty(await AlertsAsync(AlertRule.BreakTheGlassUsed, other));
    }

    [Fact]
    public async Task DenialSpike_FiresForOneClientRefusedMoreThanTheThreshold_NotForAFewRefusals()
    {
        var (noisy, quiet) = ($"noisy-{_run}", $"quiet-{_run}");
        await StoreAsync([.. Enumerable.Range(0, 6).Select(_ => Refused(noisy)), .. Enumerable.Range(0, 3).Select(_ => Refused(quiet))]);

        var alert = await WaitForAlertAsync(AlertRule.DenialSpike, clientId: noisy);
        Assert.Equal(6, alert.GetProperty("observed_count").GetInt32());
        await SettleAsync();
        Assert.DoesNotContain(await AlertsAsync(AlertRule.DenialSpike, null), found => found.GetProperty("actor_client_id").GetString() == quiet);
    }

    [Fact]
    public async Task ARevokedTokenUsedAgainstTheApi_TravelsTheBrokerAndReachesTheWebhookAsACriticalAlert()
    {
        var subject = $"stolen-{_run}";
        var token = AuditService.Token(new Dictionary<string, object> { ["sub"] = subject, ["client_id"] = "ehr-app", ["scope"] = "patient/AuditEvent.rs", ["patient"] = "p-1" });
        Assert.Equal(HttpStatusCode.OK, (await AuditService.SendAsync(HttpMethod.Get, "/fhir/AuditEvent", token)).StatusCode);

        Keys.Tokens.RevokeSubject(subject);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while ((await AuditService.SendAsync(HttpMethod.Get, "/fhir/AuditEvent", token)).StatusCode != HttpStatusCode.Unauthorized)
        {
            await Task.Delay(200, deadline.Token);
        }

        var delivered = await _webhook.WaitForAsync(alert =>
            alert.GetProperty("rule").GetString() == nameof(AlertRule.RevokedTokenUse) && alert.GetProperty("actor_user_id").GetString() == subject);
        Assert.Equal(nameof(AlertSeverity.Critical), delivered.GetProperty("severity").GetString());
        Assert.Equal("ehr-app", delivered.GetProperty("actor_client_id").GetString());
        Assert.Equal(0, _webhook.Refused);

        // The alert is stored, and in the log itself as a SecurityAlertRaised event with the same id.
        var id = delivered.GetProperty("id").GetGuid();
        await AuditService.WaitForEventsAsync([id]);
        Assert.Equal(nameof(SecurityAlertRaised), await AuditService.QueryAsync<string>("SELECT event_type FROM audit_entries WHERE event_id = @id", ("id", id)));
    }

    [Fact]
    public async Task Alerts_AreListedAndAcknowledgedBySecurityOfficers_WithANote()
    {
        var clinician = $"ack-{_run}";
        await StoreAsync(Access(clinician, $"a-{_run}", WorkingHours) with { BreakTheGlass = true, BreakTheGlassReason = BreakTheGlassReason.PatientUnableToConsent });
        var alert = await WaitForAlertAsync(AlertRule.BreakTheGlassUsed, clinician);
        var id = alert.GetProperty("id").GetGuid();
        var path = $"/audit/alerts/{id}/acknowledge";

        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(path, new { note = "checked" }, AuditService.OfficerToken(role: "physician"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(path, new { note = "checked" }, null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(path, new { note = "" }, AuditService.OfficerToken())).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(path, new { note = new string('x', AuditEventSchema.MaxReasonLength + 1) }, AuditService.OfficerToken())).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync($"/audit/alerts/{Guid.NewGuid()}/acknowledge", new { note = "checked" }, AuditService.OfficerToken())).StatusCode);

        using var acknowledged = await PostAsync(path, new { note = "Called the ward: emergency confirmed." }, AuditService.OfficerToken());
        Assert.Equal(HttpStatusCode.OK, acknowledged.StatusCode);
        var body = JsonDocument.Parse(await acknowledged.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("sec.sally", body.GetProperty("acknowledged_by").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await PostAsync(path, new { note = "again" }, AuditService.OfficerToken())).StatusCode);

        Assert.DoesNotContain(await ListAsync("open"), found => found.GetProperty("id").GetGuid() == id);
        Assert.Contains(await ListAsync("acknowledged"), found => found.GetProperty("id").GetGuid() == id);
        Assert.Equal(HttpStatusCode.BadRequest, (await AuditService.SendAsync(HttpMethod.Get, "/audit/alerts?status=closed", AuditService.OfficerToken())).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await AuditService.SendAsync(HttpMethod.Get, "/audit/alerts", AuditService.OfficerToken(amr: ["pwd"]))).StatusCode);
    }

    private static DateTimeOffset LastWeekday(DayOfWeek day)
    {
        var date = DateTimeOffset.UtcNow.Date.AddDays(-7);
        while (date.DayOfWeek != day)
        {
            date = date.AddDays(1);
        }

        return new DateTimeOffset(date, TimeSpan.Zero);
    }

    private PatientDataAccessed Access(string userId, string patientId, DateTimeOffset occurredAt) =>
        AuditService.Access(patientId, userId) with { Header = AuditService.Trail.NewHeader() with { OccurredAt = occurredAt } };

    private SecurityEventRecorded Refused(string clientId) => new()
    {
        Header = AuditService.Trail.NewHeader() with { OccurredAt = WorkingHours },
        Kind = SecurityEventKind.RequestForbidden,
        Actor = new AuditActor { UserId = "someone", ClientId = clientId, NetworkAddress = "127.0.0.1" },
        Outcome = AuditOutcome.Denied,
        Request = new AuditRequest { Method = "GET", RouteTemplate = "/fhir/Observation", StatusCode = 403, Listener = "public" },
    };

    private async Task StoreAsync(params AuditEvent[] events)
    {
        foreach (var auditEvent in events)
        {
            await AuditService.Trail.RecordAsync(auditEvent);
        }

        await AuditService.WaitForEventsAsync([.. events.Select(auditEvent => auditEvent.Header.EventId)]);
    }

    /// <summary>Lets detection look at everything stored so far (its cursor reaches the head).</summary>
    private async Task SettleAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await AuditService.QueryAsync<long>("SELECT sequence FROM audit_detection_cursor") < await AuditService.QueryAsync<long>("SELECT coalesce(max(sequence), 0) FROM audit_entries"))
        {
            await Task.Delay(100, deadline.Token);
        }
    }

    private async Task<JsonElement> WaitForAlertAsync(AlertRule rule, string? userId = null, string? clientId = null)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var found = (await AlertsAsync(rule, userId)).Where(alert => clientId is null || alert.GetProperty("actor_client_id").GetString() == clientId).ToList();
            if (found.Count > 0)
            {
                // Delivered to the webhook too, signed.
                var id = found[0].GetProperty("id").GetGuid();
                await _webhook.WaitForAsync(alert => alert.GetProperty("id").GetGuid() == id);
                return found[0];
            }

            await Task.Delay(200, deadline.Token);
        }
    }

    private async Task<List<JsonElement>> AlertsAsync(AlertRule rule, string? userId) =>
        [.. (await ListAsync("all")).Where(alert => alert.GetProperty("rule").GetString() == rule.ToString()
            && (userId is null || alert.GetProperty("actor_user_id").GetString() == userId))];

    private async Task<List<JsonElement>> ListAsync(string status)
    {
        using var response = await AuditService.SendAsync(HttpMethod.Get, $"/audit/alerts?status={status}", AuditService.OfficerToken());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("alerts").EnumerateArray().Select(alert => alert.Clone())];
    }

    private async Task<HttpResponseMessage> PostAsync(string path, object body, string? token)
    {
        using var client = Keys.Pki.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(AuditService.Service.Public, path)) { Content = JsonContent.Create(body) };
        if (token is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        Assert.True(response.StatusCode != HttpStatusCode.InternalServerError, string.Join("\n", AuditService.Logs.Lines.Where(line => line.StartsWith("Error", StringComparison.Ordinal)).TakeLast(3)));
        return response;
    }
}
