using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using HealthPlatform.Consent.Client;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.Testing;
using FhirConsent = Hl7.Fhir.Model.Consent;

namespace HealthPlatform.Consent.Tests;

/// <summary>The consent client as records uses it: cached decisions, forgotten on every instance when a patient's consents change.</summary>
public sealed class ConsentClientTests(PostgresServerFixture postgres, RedisServerFixture redis, RabbitMqServerFixture broker)
    : ConsentServiceTest(postgres, redis, broker)
{
    [Fact]
    public async Task A_repeated_question_is_answered_from_the_cache_but_break_the_glass_always_asks_the_service()
    {
        await using var records = await ConsentClientHost.StartAsync(Consents, Broker);
        using var sources = new DecisionSources();
        var patient = NewPatient();

        var first = await records.Decisions.DecideAsync(Question(patient, "dr-x"), CancellationToken.None);
        var second = await records.Decisions.DecideAsync(Question(patient, "dr-x"), CancellationToken.None);
        var emergency = await records.Decisions.DecideAsync(Question(patient, "dr-x") with { Purpose = PurposeOfUse.Emergency }, CancellationToken.None);
        await records.Decisions.DecideAsync(Question(patient, "dr-x") with { Purpose = PurposeOfUse.Emergency }, CancellationToken.None);

        Assert.True(first.Permitted);
        Assert.Equal(first, second);
        Assert.Equal("not-needed", emergency.BreakTheGlass);
        Assert.Equal((1, 1), (sources.Count("service") - 2, sources.Count("cache")));
        Assert.Equal(["ETH", "HIV", "PSY", "R", "SUD", "V"], first.HiddenLabels);
    }

    [Fact]
    public async Task A_revocation_reaches_the_cached_decisions_of_every_instance()
    {
        await using var first = await ConsentClientHost.StartAsync(Consents, Broker);
        await using var second = await ConsentClientHost.StartAsync(Consents, Broker);
        var patient = NewPatient();
        var token = Consents.PatientToken(patient);
        var id = await Consents.CreateAsync(Tests.Consents.For(patient, FhirConsent.ConsentProvisionType.Permit, Tests.Consents.Deny(practitioner: "dr-x")), token);
        foreach (var instance in new[] { first, second })
        {
            Assert.False((await instance.Decisions.DecideAsync(Question(patient, "dr-x"), CancellationToken.None)).Permitted);
            Assert.False((await instance.Decisions.DecideAsync(Question(patient, "dr-x"), CancellationToken.None)).Permitted);
        }

        using var revoke = await Consents.SendAsync(HttpMethod.Post, $"/fhir/Consent/{id}/$revoke", token);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);

        foreach (var instance in new[] { first, second })
        {
            var waited = Stopwatch.StartNew();
            while (!(await instance.Decisions.DecideAsync(Question(patient, "dr-x"), CancellationToken.None)).Permitted)
            {
                Assert.True(waited.Elapsed < TimeSpan.FromSeconds(10), "The revocation did not reach an instance's cached decisions.");
                await Task.Delay(10);
            }
        }

        // Another patient's cached decisions stay where they were.
        Assert.True((await first.Decisions.DecideAsync(Question(NewPatient(), "dr-x"), CancellationToken.None)).Permitted);
    }

    [Fact]
    public async Task A_revocation_made_while_the_broker_is_down_reaches_the_callers_once_it_is_back()
    {
        // Decisions kept for ten minutes: only the change's fan-out (or the reconnect) can make the answer flip within the wait.
        await using var records = await ConsentClientHost.StartAsync(Consents, Broker, settings: new Dictionary<string, string?> { ["ConsentClient:MaxAge"] = "00:10:00" });
        var patient = NewPatient();
        var token = Consents.PatientToken(patient);
        var id = await Consents.CreateAsync(Tests.Consents.For(patient, FhirConsent.ConsentProvisionType.Permit, Tests.Consents.Deny(practitioner: "dr-x")), token);
        Assert.False((await records.Decisions.DecideAsync(Question(patient, "dr-x"), CancellationToken.None)).Permitted);

        await Broker.StopAsync();
        try
        {
            using var revoke = await Consents.SendAsync(HttpMethod.Post, $"/fhir/Consent/{id}/$revoke", token);
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
            Assert.Equal(1L, await Consents.QueryAsync<long>($"SELECT count(*) FROM consent_versions WHERE consent_id = '{id}' AND version = 2 AND published_at IS NULL"));
            Assert.False((await records.Decisions.DecideAsync(Question(patient, "dr-x"), CancellationToken.None)).Permitted);
        }
        finally
        {
            await Broker.StartAsync();
        }

        // The relay publishes what the broker never confirmed, and the caller's answer follows.
        var waited = Stopwatch.StartNew();
        while (await Consents.QueryAsync<long>($"SELECT count(*) FROM consent_versions WHERE consent_id = '{id}' AND published_at IS NULL") > 0)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(90), "The relay never published the revocation.");
            await Task.Delay(200);
        }

        while (!(await records.Decisions.DecideAsync(Question(patient, "dr-x"), CancellationToken.None)).Permitted)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(90), $"The revocation never reached the caller: {await records.Service.HealthOfAsync("consent-cache")}.");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task A_change_whose_event_never_reached_a_caller_is_still_honoured_once_the_caller_reconnects()
    {
        // The gap this covers: the consent service's event reached the broker while this caller was cut off
        // from it, and the caller's own queue (gone with its connection) never got it. Marking the change as
        // published while the broker is down stands for that: no relay will ever send it to anyone.
        await using var records = await ConsentClientHost.StartAsync(Consents, Broker, settings: new Dictionary<string, string?> { ["ConsentClient:MaxAge"] = "00:10:00" });
        var patient = NewPatient();
        var token = Consents.PatientToken(patient);
        var id = await Consents.CreateAsync(Tests.Consents.For(patient, FhirConsent.ConsentProvisionType.Permit, Tests.Consents.Deny(practitioner: "dr-x")), token);
        Assert.False((await records.Decisions.DecideAsync(Question(patient, "dr-x"), CancellationToken.None)).Permitted);

        await Broker.StopAsync();
        try
        {
            using var revoke = await Consents.SendAsync(HttpMethod.Post, $"/fhir/Consent/{id}/$revoke", token);
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
            await Consents.QueryAsync<object>($"UPDATE consent_versions SET published_at = now() WHERE consent_id = '{id}'; SELECT 1");
            // Longer than a publish waits for the broker, so no attempt begun before the mark is still in flight.
            await Task.Delay(TimeSpan.FromSeconds(4));
            Assert.False((await records.Decisions.DecideAsync(Question(patient, "dr-x"), CancellationToken.None)).Permitted);
        }
        finally
        {
            await Broker.StartAsync();
        }

        // No event will come: only forgetting everything on reconnect lets the caller see the revocation.
        var waited = Stopwatch.StartNew();
        while (!(await records.Decisions.DecideAsync(Question(patient, "dr-x"), CancellationToken.None)).Permitted)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(90), $"The caller kept its cached decision after reconnecting: {await records.Service.HealthOfAsync("consent-cache")}.");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task A_service_other_than_records_gets_no_decision()
    {
        await using var audit = await ConsentClientHost.StartAsync(Consents, Broker, identity: ResourceNames.Audit);

        var refused = await Assert.ThrowsAsync<ConsentDecisionException>(async () => await audit.Decisions.DecideAsync(Question(NewPatient(), "dr-x"), CancellationToken.None));

        Assert.Contains("403", refused.Message, StringComparison.Ordinal);
    }

    public static ConsentQuestion Question(string patient, string user, string role = "physician") => new()
    {
        PatientId = patient,
        Actor = new ConsentActor { UserId = user, Practitioner = user, Roles = [role], ClientId = "ehr-app" },
        Purpose = PurposeOfUse.Treatment,
        ResourceType = "Observation",
    };

    /// <summary>Counts the client's decisions by where they came from (cache or service), from its metric.</summary>
    private sealed class DecisionSources : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, int> _counts = [];

        public DecisionSources()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == ConsentDecisions.MeterName && instrument.Name == "consent.client.decisions")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "source" && tag.Value is string source)
                    {
                        lock (_counts)
                        {
                            _counts[source] = _counts.GetValueOrDefault(source) + (int)value;
                        }
                    }
                }
            });
            _listener.Start();
        }

        public int Count(string source)
        {
            lock (_counts)
            {
                return _counts.GetValueOrDefault(source);
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
