using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using HealthPlatform.Contracts.Audit;
using Microsoft.Extensions.Options;
using ZiggyCreatures.Caching.Fusion;

namespace HealthPlatform.Consent.Client;

/// <summary>
/// Consent decisions for an enforcement point, kept in this instance's memory (FusionCache: one
/// call per question in flight, bounded in number) for at most
/// <see cref="ConsentClientOptions.MaxAge"/> and never past the decision's own
/// <c>validUntil</c>. A patient's decisions are forgotten the moment their consents change
/// (<see cref="EvictPatient"/>, driven by <c>ConsentChanged</c> on this instance's own queue):
/// each patient has a generation in every key, so a change makes all their decisions
/// unreachable at once — including one being fetched while the change arrived. Break-the-glass
/// questions are never cached: each emergency override is decided, and audited, by the service.
/// </summary>
public sealed class ConsentDecisions : IDisposable
{
    public const string CacheName = "consent-decisions";
    public const string MeterName = "HealthPlatform.Consent.Client";

    private readonly ConsentApi _api;
    private readonly IFusionCache _cache;
    private readonly ConsentClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Generation> _generations = new(StringComparer.Ordinal);
    private readonly byte[] _keySecret = RandomNumberGenerator.GetBytes(32);
    private readonly FusionCacheEntryOptions _entryOptions;
    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _asked;
    private readonly Counter<long> _evicted;
    private long _epoch;
    private long _evictions;

    public ConsentDecisions(ConsentApi api, IFusionCacheProvider caches, IOptions<ConsentClientOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(caches);
        ArgumentNullException.ThrowIfNull(options);
        _api = api;
        _cache = caches.GetCache(CacheName);
        _options = options.Value;
        _time = time;

        // A fetch may not outlive a decision's longest life: a generation is only dropped (and can
        // start again at zero) once every fetch that could have used it has ended.
        _entryOptions = _cache.DefaultEntryOptions.Duplicate();
        _entryOptions.FactoryHardTimeout = _options.MaxAge;
        _entryOptions.AllowTimedOutFactoryBackgroundCompletion = false;
        _asked = _meter.CreateCounter<long>("consent.client.decisions", description: "Decisions asked for, by where the answer came from (cache or service).");
        _evicted = _meter.CreateCounter<long>("consent.client.evictions", description: "Patients whose decisions were forgotten because their consents changed (all: a reconnect).");
    }

    /// <summary>The decision; throws (<see cref="ConsentDecisionException"/>, or a transport error or timeout) when there is none — treat that as a deny.</summary>
    public async ValueTask<ConsentDecision> DecideAsync(ConsentQuestion question, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(question);
        if (question.Purpose == PurposeOfUse.Emergency)
        {
            _asked.Add(1, new KeyValuePair<string, object?>("source", "service"));
            return await _api.DecideAsync(question, cancellationToken);
        }

        var fetched = false;
        var key = $"{Interlocked.Read(ref _epoch)}:{GenerationOf(question.PatientId)}:{question.CacheKey(_keySecret)}";
        var decision = await _cache.GetOrSetAsync<ConsentDecision>(key, async (context, token) =>
        {
            fetched = true;
            var answer = await _api.DecideAsync(question, token);
            var lifetime = Lifetime(answer);
            if (lifetime > TimeSpan.Zero)
            {
                context.Options.Duration = lifetime;
            }
            else
            {
                context.Options.SkipMemoryCacheWrite = true;
            }

            return answer;
        }, options: _entryOptions, token: cancellationToken);
        _asked.Add(1, new KeyValuePair<string, object?>("source", fetched ? "service" : "cache"));
        return decision;
    }

    /// <summary>Forgets every decision about <paramref name="patientId"/> on this instance.</summary>
    public void EvictPatient(string patientId)
    {
        ArgumentNullException.ThrowIfNull(patientId);
        var now = _time.GetUtcNow();
        _generations.AddOrUpdate(patientId, _ => new Generation(1, now), (_, current) => new Generation(current.Number + 1, now));
        _evicted.Add(1, new KeyValuePair<string, object?>("scope", "patient"));
        if (Interlocked.Increment(ref _evictions) % 1024 == 0)
        {
            Prune(now);
        }
    }

    /// <summary>Forgets every decision on this instance (after a gap in which changes may have been missed).</summary>
    public void EvictAll()
    {
        Interlocked.Increment(ref _epoch);
        _evicted.Add(1, new KeyValuePair<string, object?>("scope", "all"));
    }

    public void Dispose() => _meter.Dispose();

    private long GenerationOf(string patientId) => _generations.TryGetValue(patientId, out var generation) ? generation.Number : 0;

    private TimeSpan Lifetime(ConsentDecision decision)
    {
        var lifetime = _options.MaxAge;
        if (decision.ValidUntil is { } until && until - _time.GetUtcNow() < lifetime)
        {
            lifetime = until - _time.GetUtcNow();
        }

        return lifetime;
    }

    /// <summary>
    /// Drops generations older than twice the longest a decision is kept: every key that used them
    /// has expired, so the patient can start from zero again without reviving anything.
    /// </summary>
    private void Prune(DateTimeOffset now)
    {
        foreach (var (patientId, generation) in _generations)
        {
            if (now - generation.ChangedAt > 2 * _options.MaxAge)
            {
                _generations.TryRemove(new KeyValuePair<string, Generation>(patientId, generation));
            }
        }
    }

    private readonly record struct Generation(long Number, DateTimeOffset ChangedAt);
}
