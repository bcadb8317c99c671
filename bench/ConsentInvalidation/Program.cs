using System.Diagnostics;
using System.Globalization;
using HealthPlatform.Consent.Tests;
using HealthPlatform.KeyManagement.Tests;
using HealthPlatform.Testing;
using FhirConsent = Hl7.Fhir.Model.Consent;

// How long after a patient changes a consent the cached decisions of two running instances of a
// caller (records) reflect it. Real Postgres, Redis and RabbitMQ; key-management, the consent
// service and two client instances in one process, on loopback.
// Each round: both instances hold the current decision for dr-x in their caches (asked twice);
// the patient then writes a change through the FHIR API — alternately a consent denying dr-x
// and its revocation — and each instance asks again every millisecond until its answer flips.
// Latency = from the moment the API answered (the change is committed) to the first flipped
// answer on that instance; also reported from the moment the request was sent.
// Usage: dotnet run -c Release --project bench/ConsentInvalidation -- [changes, default 200]
Directory.SetCurrentDirectory(AppContext.BaseDirectory);
var changes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
var quiet = new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Warning" };

var postgres = new PostgresServerFixture();
var redis = new RedisServerFixture();
var broker = new RabbitMqServerFixture();
await Task.WhenAll(postgres.InitializeAsync(), redis.InitializeAsync(), broker.InitializeAsync());
try
{
    await using var keys = await KeyManagementHost.StartAsync(postgres, redis, broker, settings: quiet);
    await using var consent = await ConsentHost.StartAsync(keys, await postgres.CreateDatabaseWithRuntimeRoleAsync(), redis, broker, settings: quiet);
    await using var first = await ConsentClientHost.StartAsync(consent, broker, settings: quiet);
    await using var second = await ConsentClientHost.StartAsync(consent, broker, settings: quiet);
    var instances = new[] { first, second };

    var patient = "bench-" + Guid.NewGuid().ToString("N")[..8];
    var token = consent.PatientToken(patient);
    var question = ConsentClientTests.Question(patient, "dr-x");
    var afterCommit = new List<double>();
    var afterRequest = new List<double>();
    string? active = null;
    // Two rounds first, not counted: the first write and the first eviction warm up their paths.
    const int warmUp = 2;
    for (var round = -warmUp; round < changes; round++)
    {
        var permitted = active is null;
        foreach (var instance in instances)
        {
            for (var ask = 0; ask < 2; ask++)
            {
                if ((await instance.Decisions.DecideAsync(question, CancellationToken.None)).Permitted != permitted)
                {
                    throw new InvalidOperationException($"Round {round}: an instance did not hold the current decision.");
                }
            }
        }

        var sent = Stopwatch.GetTimestamp();
        if (active is null)
        {
            active = await consent.CreateAsync(Consents.For(patient, FhirConsent.ConsentProvisionType.Permit, Consents.Deny(practitioner: "dr-x")), token);
        }
        else
        {
            using var revoked = await consent.SendAsync(HttpMethod.Post, $"/fhir/Consent/{active}/$revoke", token);
            if (!revoked.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"Round {round}: revoke answered {revoked.StatusCode}.");
            }

            active = null;
        }

        var committed = Stopwatch.GetTimestamp();
        await Task.WhenAll(instances.Select(async instance =>
        {
            var deadline = Stopwatch.StartNew();
            while ((await instance.Decisions.DecideAsync(question, CancellationToken.None)).Permitted == permitted)
            {
                if (deadline.Elapsed > TimeSpan.FromSeconds(30))
                {
                    throw new TimeoutException($"Round {round}: an instance kept its old decision for 30 s.");
                }

                await Task.Delay(1);
            }

            var flipped = Stopwatch.GetTimestamp();
            if (round < 0)
            {
                return;
            }

            lock (afterCommit)
            {
                afterCommit.Add(Stopwatch.GetElapsedTime(committed, flipped).TotalMilliseconds);
                afterRequest.Add(Stopwatch.GetElapsedTime(sent, flipped).TotalMilliseconds);
            }
        }));
    }

    // For scale: a decision the cache does not hold (a question not asked before) costs one call to the service.
    var uncached = new List<double>();
    for (var call = 0; call < changes; call++)
    {
        var started = Stopwatch.GetTimestamp();
        await first.Decisions.DecideAsync(question with { ResourceType = call % 2 == 0 ? "Observation" : "Condition", Actor = question.Actor with { UserId = $"dr-{call}" } }, CancellationToken.None);
        uncached.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{changes} changes, {afterCommit.Count} instance samples (2 instances)"));
    Report("after the API answered", afterCommit);
    Report("after the request was sent", afterRequest);
    Report("one uncached decision", uncached);
}
finally
{
    await broker.DisposeAsync();
    await redis.DisposeAsync();
    await postgres.DisposeAsync();
}

static void Report(string label, List<double> samples)
{
    samples.Sort();
    double At(double quantile) => samples[Math.Min(samples.Count - 1, (int)Math.Ceiling(quantile * samples.Count) - 1)];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  {label,-28} p50 {At(0.50),7:F1} ms   p95 {At(0.95),7:F1} ms   p99 {At(0.99),7:F1} ms   max {samples[^1],7:F1} ms"));
}
