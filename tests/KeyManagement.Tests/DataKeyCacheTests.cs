using HealthPlatform.KeyManagement.Client;
using HealthPlatform.Testing;
using Microsoft.Extensions.Options;

namespace HealthPlatform.KeyManagement.Tests;

/// <summary>The client cache's bounds: age, uses, capacity, and a destroyed subject's keys leaving at once and for good.</summary>
public sealed class DataKeyCacheTests
{
    private readonly ShiftedTime _time = new();

    [Fact]
    public void AKey_ServesMaxUses_CountingThePutAsTheFirst_ThenLeaves_AndItsBytesAreZeroed()
    {
        using var cache = Cache(maxUses: 3);
        var key = Key();
        Assert.True(cache.Put("k", key));

        var second = cache.Take("k");
        var third = cache.Take("k");
        var fourth = cache.Take("k");

        Assert.Equal(key.Plaintext, second!.Plaintext);
        Assert.Equal(key.Plaintext, third!.Plaintext);
        Assert.Null(fourth);
        Assert.Equal(0, cache.Count);
        Assert.Equal((2, 1), (cache.Hits, cache.Misses));
    }

    [Fact]
    public void AKey_LeavesAtMaxAge()
    {
        using var cache = Cache(maxAge: TimeSpan.FromMinutes(5));
        cache.Put("k", Key());

        _time.Advance(TimeSpan.FromMinutes(4));
        Assert.NotNull(cache.Take("k"));
        _time.Advance(TimeSpan.FromMinutes(1));

        Assert.Null(cache.Take("k"));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void BeyondCapacity_TheOldestLeaves()
    {
        using var cache = Cache(capacity: 2);
        cache.Put("a", Key());
        cache.Put("b", Key());
        cache.Put("c", Key());

        Assert.Null(cache.Take("a"));
        Assert.NotNull(cache.Take("b"));
        Assert.NotNull(cache.Take("c"));
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void ATakenKey_IsACopy_ThatEvictionDoesNotTouch()
    {
        using var cache = Cache();
        var original = Key(subject: "pat-1");
        cache.Put("k", original);
        var taken = cache.Take("k")!;

        cache.EvictSubject("records-phi", "pat-1");

        Assert.Equal(original.Plaintext, taken.Plaintext);
        Assert.Null(cache.Take("k"));
    }

    [Fact]
    public void ADestroyedSubject_LeavesAtOnce_AndIsNeverLetInAgain_OtherSubjectsStay()
    {
        using var cache = Cache();
        cache.Put("one", Key(subject: "pat-1"));
        cache.Put("two", Key(subject: "pat-2"));

        cache.EvictSubject("records-phi", "pat-1");

        Assert.Null(cache.Take("one"));
        Assert.NotNull(cache.Take("two"));
        Assert.True(cache.IsDestroyed("records-phi", "pat-1"));
        Assert.False(cache.Put("one", Key(subject: "pat-1")));
        Assert.False(cache.IsDestroyed("consent-phi", "pat-1"));
    }

    [Fact]
    public void WithCachingOff_OrOneUse_NothingIsKept()
    {
        using var off = Cache(enabled: false);
        using var once = Cache(maxUses: 1);

        Assert.False(off.Put("k", Key()));
        Assert.False(once.Put("k", Key()));
        Assert.Equal((0, 0), (off.Count, once.Count));
    }

    private DataKeyCache Cache(int maxUses = 100, TimeSpan? maxAge = null, int capacity = 100, bool enabled = true) =>
        new(Options.Create(new KeyManagementClientOptions { MaxUses = maxUses, MaxAge = maxAge ?? TimeSpan.FromMinutes(5), Capacity = capacity, CacheEnabled = enabled }), _time);

    private static CachedDataKey Key(string? subject = null) =>
        new("records-phi", 1, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), Wrapped: null, subject);
}
