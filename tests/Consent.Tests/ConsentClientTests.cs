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
        using var sources = new ClientCounters();
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
        var (records, patient, id) = await RevokeWhileTheBrokerIsDownAsync(async id =>
            Assert.Equal(1L, await Consents.QueryAsync<long>($"SELECT count(*) FROM consent_versions WHERE consent_id = '{id}' AND version = 2 AND published_at IS NULL")));
        await using var host = records;

        // The relay publishes what the broker never confirmed, and the caller's answer follows.
        var waited = Stopwatch.StartNew();
        while (await Consents.QueryAsync<long>($"SELECT count(*) FROM consent_versions WHERE consent_id = '{id}' AND published_at IS NULL") > 0)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(90), "The relay never published the revocation.");
            await Task.Delay(200);
        }

        await WaitUntilPermittedAsync(records, patient, waited, "The revocation never reached the caller");
    }

    [Fact]
    public async Task A_change_whose_event_never_reached_a_caller_is_still_honoured_once_the_caller_reconnects()
    {
        // The gap this covers: the consent service's event reached the broker while this caller was cut off
        // from it, and the caller's own queue (gone with its connection) never got it. Marking the change as
        // published while the broker is down stands for that: no relay will ever send it to anyone.
        var (records, patient, _) = await RevokeWhileTheBrokerIsDownAsync(async id =>
        {
            await Consents.QueryAsync<object>($"UPDATE consent_versions SET published_at = now() WHERE consent_id = '{id}' AND published_at IS NULL; SELECT 1");
            // Longer than a publish waits for the broker, so no attempt begun before the mark is still in flight.
            await Task.Delay(TimeSpan.FromSeconds(4));
        });
        await using var host = records;

        // No event will come: only forgetting everything on reconnect lets the caller see the revocation.
        await WaitUntilPermittedAsync(records, patient, Stopwatch.StartNew(), "The caller kept its cached decision after reconnecting");
    }

    /// <summary>
    /// A caller keeping decisions for ten minutes (only the fan-out or a reconnect can flip one within a
    /// test) has cached a deny; the patient revokes it while the broker is down, and <paramref name="whileDown"/>
    /// runs before the broker comes back. The caller still denies at that point.
    /// </summary>
    private async Task<(ConsentClientHost Records, string Patient, string ConsentId)> RevokeWhileTheBrokerIsDownAsync(Func<string, Task> whileDown)
    {
        var records = await ConsentClientHost.StartAsync(Consents, Broker, settings: new Dictionary<string, string?> { ["ConsentClient:MaxAge"] = "00:10:00" });
        try
        {
            var (patient, id) = await RevokeWhileTheBrokerIsDownAsync(records, whileDown);
            return (records, patient, id);
        }
        catch
        {
            await records.DisposeAsync();
            throw;
        }
    }

    private async Task<(string Patient, string ConsentId)> RevokeWhileTheBrokerIsDownAsync(ConsentClientHost records, Func<string, Task> whileDown)
    {
        using var counters = new ClientCounters();
        var patient = NewPatient();
        var token = Consents.PatientToken(patient);
        var id = await Consents.CreateAsync(Tests.Consents.For(patient, FhirConsent.ConsentProvisionType.Permit, Tests.Consents.Deny(practitioner: "dr-x")), token);

        // The caller hears of the new consent first; a deny asked before that would be made unreachable by it
        // (rightly: it could have been fetched before the change), and the next question would find nothing cached.
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while (counters.Count("patient") == 0)
            {
                await Task.Delay(50, deadline.Token);
            }
        }

        Assert.False((await records.Decisions.DecideAsync(Question(patient, "dr-x"), CancellationToken.None)).Permitted);
        Assert.False((await records.Decisions.DecideAsync(Question(patient, "dr-x"), CancellationToken.None)).Permitted);
        Assert.Equal(1, counters.Count("cache"));

        await Broker.StopAsync();
        try
        {
            using var revoke = await Consents.SendAsync(HttpMethod.Post, $"/fhir/Consent/{id}/$revoke", token);
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
            await whileDown(id);
            Assert.False((await records.Decisions.DecideAsync(Question(patient, "dr-x"), CancellationToken.None)).Permitted);
        }
        finally
        {
            await Broker.StartAsync();
        }

        return (patient, id);
    }

    private static async Task WaitUntilPermittedAsync(ConsentClientHost records, string patient, Stopwatch waited, string failure)
    {
        while (!(await records.Decisions.DecideAsync(Question(patient, "dr-x"), CancellationToken.None)).Permitted)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(90), $"{failure}: {await records.Service.HealthOfAsync("consent-cache")}.");
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
    /// <summary>The client's own counters: where answers came from (<c>service</c>, <c>cache</c>) and what was forgotten (<c>patient</c>, <c>all</c>).</summary>
    private sealed class ClientCounters : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, int> _counts = [];

        public ClientCounters()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == ConsentDecisions.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key is "source" or "scope" && tag.Value is string what)
                    {
                        lock (_counts)
                        {
                            _counts[what] = _counts.GetValueOrDefault(what) + (int)value;
                        }
                    }
                }
            });
            _listener.Start();
        }

        public int Count(string what)
        {
            lock (_counts)
            {
                return _counts.GetValueOrDefault(what);
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
