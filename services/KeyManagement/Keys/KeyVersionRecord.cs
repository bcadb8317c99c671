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

    /// <summary>nonce ‖ ciphertext ‖ tag, under the root key.</summary>
    public required byte[] WrappedMaterial { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    internal static void Configure(ModelBuilder modelBuilder) => modelBuilder.Entity<KeyVersionRecord>(key =>
    {
        key.ToTable("key_versions");
        key.HasKey(record => new { record.KeyName, record.Version });
        key.Property(record => record.KeyName).HasColumnName("key_name").HasMaxLength(64);
        key.Property(record => record.Version).HasColumnName("version");
        key.Property(record => record.Kind).HasColumnName("kind");
        key.Property(record => record.WrappedMaterial).HasColumnName("wrapped_material");
        key.Property(record => record.CreatedAt).HasColumnName("created_at");
    });
}
