using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace HealthPlatform.KeyManagement.Client;

/// <summary>
/// Unwrapped data keys kept in memory for a bounded time and number of uses (the AWS Encryption
/// SDK's caching model): each take counts a use; a key past <see cref="KeyManagementClientOptions.MaxAge"/>
/// or at <see cref="KeyManagementClientOptions.MaxUses"/> leaves and its bytes are zeroed; past
/// <see cref="KeyManagementClientOptions.Capacity"/> the oldest leaves. A destroyed subject's key
/// leaves at once (<see cref="EvictSubject"/>) and is never let in again by this instance.
/// Takers get a copy, which they zero after use, so eviction never pulls a key from under them.
/// </summary>
public sealed class DataKeyCache : IDisposable
{
    public const string MeterName = "HealthPlatform.KeyManagement.Client";

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Queue<(string Key, Entry Entry)> _byAge = new();
    private readonly HashSet<(string KeyName, string SubjectId)> _destroyed = [];
    private readonly KeyManagementClientOptions _options;
    private readonly TimeProvider _time;
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _hits;
    private readonly Counter<long> _misses;
    private readonly Counter<long> _evictions;
    private long _hitCount;
    private long _missCount;

    /// <summary>Its meter comes from <paramref name="meters"/> when there is one (a host), so OpenTelemetry exports it.</summary>
    public DataKeyCache(IOptions<KeyManagementClientOptions> options, TimeProvider time, IMeterFactory? meters = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _time = time;
        _ownsMeter = meters is null;
        _meter = meters?.Create(MeterName) ?? new Meter(MeterName);
        _hits = _meter.CreateCounter<long>("healthplatform.key_cache.hits", description: "Data keys served from memory.");
        _misses = _meter.CreateCounter<long>("healthplatform.key_cache.misses", description: "Data keys fetched from the key-management service.");
        _evictions = _meter.CreateCounter<long>("healthplatform.key_cache.evictions", description: "Data keys that left the cache (age, uses, capacity or destruction).");
        _meter.CreateObservableGauge("healthplatform.key_cache.size", () => Count, description: "Data keys held.");
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    public long Hits => Interlocked.Read(ref _hitCount);

    public long Misses => Interlocked.Read(ref _missCount);

    /// <summary>A copy of the cached key under <paramref name="cacheKey"/> (one use counted), or null when there is none in bounds.</summary>
    public CachedDataKey? Take(string cacheKey)
    {
        ArgumentNullException.ThrowIfNull(cacheKey);
        CachedDataKey? taken = null;
        lock (_lock)
        {
            if (_entries.TryGetValue(cacheKey, out var entry))
            {
                if (_time.GetUtcNow() - entry.CachedAt >= _options.MaxAge)
                {
                    Remove(cacheKey, entry);
                }
                else
                {
                    entry.Uses++;
                    taken = entry.Key with { Plaintext = (byte[])entry.Key.Plaintext.Clone() };
                    if (entry.Uses >= _options.MaxUses)
                    {
                        Remove(cacheKey, entry);
                    }
                }
            }
        }

        if (taken is null)
        {
            Interlocked.Increment(ref _missCount);
            _misses.Add(1);
        }
        else
        {
            Interlocked.Increment(ref _hitCount);
            _hits.Add(1);
        }

        return taken;
    }

    /// <summary>
    /// Keeps a copy of <paramref name="key"/> under <paramref name="cacheKey"/>, with one use already
    /// counted (the caller's). Refused (false) when caching is off, one use is the limit, or the
    /// key belongs to a subject whose key was destroyed.
    /// </summary>
    public bool Put(string cacheKey, CachedDataKey key)
    {
        ArgumentNullException.ThrowIfNull(cacheKey);
        ArgumentNullException.ThrowIfNull(key);
        if (!_options.CacheEnabled || _options.MaxUses <= 1)
        {
            return false;
        }

        lock (_lock)
        {
            if (key.SubjectId is not null && _destroyed.Contains((key.KeyName, key.SubjectId)))
            {
                return false;
            }

            if (_entries.Remove(cacheKey, out var replaced))
            {
                replaced.Zero();
            }

            var entry = new Entry(key with { Plaintext = (byte[])key.Plaintext.Clone() }, _time.GetUtcNow()) { Uses = 1 };
            _entries[cacheKey] = entry;
            _byAge.Enqueue((cacheKey, entry));
            while (_entries.Count > _options.Capacity && _byAge.TryDequeue(out var oldest))
            {
                // Entries removed earlier are still queued: only a current one counts.
                if (_entries.TryGetValue(oldest.Key, out var current) && ReferenceEquals(current, oldest.Entry))
                {
                    Remove(oldest.Key, current);
                }
            }

            if (_byAge.Count > 2 * Math.Max(_options.Capacity, _entries.Count))
            {
                Compact();
            }
        }

        return true;
    }

    /// <summary>Forgets every key of a destroyed subject now, and refuses to cache one again.</summary>
    public void EvictSubject(string keyName, string subjectId)
    {
        lock (_lock)
        {
            _destroyed.Add((keyName, subjectId));
            foreach (var (cacheKey, entry) in _entries.Where(pair => pair.Value.Key.KeyName == keyName && pair.Value.Key.SubjectId == subjectId).ToList())
            {
                Remove(cacheKey, entry);
            }
        }
    }

    /// <summary>Whether this instance has heard that the subject's key was destroyed.</summary>
    public bool IsDestroyed(string keyName, string subjectId)
    {
        lock (_lock)
        {
            return _destroyed.Contains((keyName, subjectId));
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            foreach (var (cacheKey, entry) in _entries.ToList())
            {
                Remove(cacheKey, entry);
            }

            _byAge.Clear();
        }
    }

    public void Dispose()
    {
        Clear();
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private void Remove(string cacheKey, Entry entry)
    {
        _entries.Remove(cacheKey);
        entry.Zero();
        _evictions.Add(1);
    }

    private void Compact()
    {
        var live = _byAge.Where(queued => _entries.TryGetValue(queued.Key, out var current) && ReferenceEquals(current, queued.Entry)).ToList();
        _byAge.Clear();
        foreach (var queued in live)
        {
            _byAge.Enqueue(queued);
        }
    }

    private sealed class Entry(CachedDataKey key, DateTimeOffset cachedAt)
    {
        public CachedDataKey Key { get; } = key;

        public DateTimeOffset CachedAt { get; } = cachedAt;

        public int Uses { get; set; }

        public void Zero() => CryptographicOperations.ZeroMemory(Key.Plaintext);
    }
}

/// <summary>A data key in memory: its plaintext, the key version that wraps it, its wrap (for data keys used to encrypt), and its subject (for subject keys).</summary>
public sealed record CachedDataKey(string KeyName, int KeyVersion, byte[] Plaintext, byte[]? Wrapped, string? SubjectId);
