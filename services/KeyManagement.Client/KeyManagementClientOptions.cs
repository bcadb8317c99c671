namespace HealthPlatform.KeyManagement.Client;

/// <summary>
/// How long and how often an unwrapped data key may be used from memory before the key-management
/// service is asked again (section <c>KeyManagementClient</c>) — the bounds of the AWS Encryption
/// SDK's caching: a key leaves the cache at whichever comes first, its age or its uses, and the
/// cache never holds more than <see cref="Capacity"/> keys.
/// </summary>
public sealed class KeyManagementClientOptions
{
    public const string SectionName = "KeyManagementClient";

    /// <summary>The longest a key stays cached. A destroyed subject key is evicted at once by its event; this bounds the damage if the event is lost.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The most encryptions and decryptions one cached key serves before it is fetched (or, for new data keys, generated) again.</summary>
    public int MaxUses { get; set; } = 10_000;

    /// <summary>The most keys held at once; beyond it the oldest goes.</summary>
    public int Capacity { get; set; } = 10_000;

    /// <summary>False: every operation asks the key-management service (no key kept in memory beyond the call).</summary>
    public bool CacheEnabled { get; set; } = true;
}
