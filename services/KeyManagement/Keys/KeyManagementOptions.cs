using System.Text.RegularExpressions;
using HealthPlatform.Contracts.Audit;

namespace HealthPlatform.KeyManagement.Keys;

/// <summary>The keys this service holds and who may use them for what (section <c>KeyManagement</c>).</summary>
public sealed partial class KeyManagementOptions
{
    public const string SectionName = "KeyManagement";

    /// <summary>
    /// The root key (32 bytes, base64) that encrypts every key-encryption key in the database — a
    /// mounted secret (or, behind <see cref="IRootKeyProvider"/>, an HSM or cloud KMS), never in the
    /// database. Without it the service does not start.
    /// </summary>
    public string? RootKey { get; set; }

    /// <summary>
    /// Root keys that unwrap but never wrap (base64, mounted secrets): during a root-key rotation the
    /// previous key, and before it the next one, so every replica can read what any other wrote.
    /// Key-encryption keys under one of these are rewrapped under <see cref="RootKey"/> at start.
    /// </summary>
    public List<string> AdditionalRootKeys { get; } = [];

    /// <summary>The keys by name (<c>records-phi</c>): their kind and, per calling service, the operations allowed.</summary>
    public Dictionary<string, ManagedKeyOptions> Keys { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// A file, on a volume that database backups do not include, where every destroyed subject key
    /// is recorded before the database changes; replayed at start so a restored backup cannot bring
    /// one back (ADR-009). Unset: no journal, and the readiness check <c>tombstones</c> says degraded.
    /// </summary>
    public string? TombstoneJournal { get; set; }

    /// <summary>How often keys are checked for a scheduled rotation.</summary>
    public TimeSpan RotationCheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    public static bool IsKeyName(string? name) => name is not null && KeyNameFormat().IsMatch(name);

    [GeneratedRegex("^[a-z0-9][a-z0-9\\-]{0,63}\\z")]
    private static partial Regex KeyNameFormat();
}

public enum ManagedKeyKind
{
    /// <summary>AES-256 key-encryption key: wraps data keys (envelope encryption).</summary>
    Encryption = 1,

    /// <summary>An asymmetric signing key (checkpoints of the audit log).</summary>
    Signing,
}

public sealed class ManagedKeyOptions
{
    public ManagedKeyKind Kind { get; set; } = ManagedKeyKind.Encryption;

    /// <summary>A new version this long after the last one (null: rotated only on request).</summary>
    public TimeSpan? RotationPeriod { get; set; }

    /// <summary>Calling service (its certificate's platform identity, e.g. <c>records</c>) → operations it may perform. Nobody else may.</summary>
    public Dictionary<string, List<KeyOperation>> Callers { get; } = new(StringComparer.Ordinal);

    public bool Allows(string? caller, KeyOperation operation) =>
        caller is not null && Callers.TryGetValue(caller, out var operations) && operations.Contains(operation);
}
