using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.KeyManagement.Keys;

/// <summary>
/// One version of a key-encryption key as stored: its material wrapped by the root key (bound to
/// the key's name and version), never in clear. Versions are never changed; rotation adds one.
/// </summary>
public sealed class KeyVersionRecord
{
    public required string KeyName { get; init; }

    public required int Version { get; init; }

    public required ManagedKeyKind Kind { get; init; }

    /// <summary>nonce ‖ ciphertext ‖ tag, under the root key <see cref="RootKeyId"/>; rewrapped (same material) when the root key is rotated.</summary>
    public required byte[] WrappedMaterial { get; set; }

    /// <summary>Which root key wrapped <see cref="WrappedMaterial"/> (its id, never the key).</summary>
    public required string RootKeyId { get; set; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>How many data keys this version has wrapped (generated or rewrapped): metadata, never material.</summary>
    public long WrapCount { get; init; }

    internal static void Configure(ModelBuilder modelBuilder) => modelBuilder.Entity<KeyVersionRecord>(key =>
    {
        key.ToTable("key_versions");
        key.HasKey(record => new { record.KeyName, record.Version });
        key.Property(record => record.KeyName).HasColumnName("key_name").HasMaxLength(64);
        key.Property(record => record.Version).HasColumnName("version");
        key.Property(record => record.Kind).HasColumnName("kind");
        key.Property(record => record.WrappedMaterial).HasColumnName("wrapped_material");
        key.Property(record => record.RootKeyId).HasColumnName("root_key_id").HasMaxLength(16);
        key.Property(record => record.CreatedAt).HasColumnName("created_at");
        key.Property(record => record.WrapCount).HasColumnName("wrap_count");
    });
}

/// <summary>A named key's state: which versions still decrypt, and when it was last rotated.</summary>
public sealed class ManagedKeyRecord
{
    public required string Name { get; init; }

    public required ManagedKeyKind Kind { get; init; }

    /// <summary>Wraps (and signatures) of older versions are refused: they were retired after a rewrap.</summary>
    public int MinimumDecryptionVersion { get; set; } = 1;

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset LastRotatedAt { get; set; }

    internal static void Configure(ModelBuilder modelBuilder) => modelBuilder.Entity<ManagedKeyRecord>(key =>
    {
        key.ToTable("managed_keys");
        key.HasKey(record => record.Name);
        key.Property(record => record.Name).HasColumnName("name").HasMaxLength(64);
        key.Property(record => record.Kind).HasColumnName("kind");
        key.Property(record => record.MinimumDecryptionVersion).HasColumnName("minimum_decryption_version");
        key.Property(record => record.CreatedAt).HasColumnName("created_at");
        key.Property(record => record.LastRotatedAt).HasColumnName("last_rotated_at");
    });
}
