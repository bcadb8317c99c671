using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.Identity.SigningKeys;

/// <summary>
/// One token signing key as stored: the public key in clear, the private key encrypted with
/// AES-256-GCM under the protection key (its id bound in as associated data), and its schedule.
/// </summary>
public sealed class SigningKeyRecord
{
    public required string KeyId { get; init; }

    /// <summary>The JWS algorithm (<c>ES256</c>).</summary>
    public required string Algorithm { get; init; }

    /// <summary>SubjectPublicKeyInfo (DER).</summary>
    public required byte[] PublicKey { get; init; }

    /// <summary>nonce (12) ‖ ciphertext of the PKCS#8 private key ‖ tag (16).</summary>
    public required byte[] ProtectedPrivateKey { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>From when it signs.</summary>
    public required DateTimeOffset ActivatesAt { get; init; }

    /// <summary>From when it no longer signs (it stays published for the retention time).</summary>
    public required DateTimeOffset RetiresAt { get; init; }

    internal static void Configure(ModelBuilder modelBuilder) => modelBuilder.Entity<SigningKeyRecord>(key =>
    {
        key.ToTable("signing_keys");
        key.HasKey(record => record.KeyId);
        key.Property(record => record.KeyId).HasColumnName("key_id").HasMaxLength(64);
        key.Property(record => record.Algorithm).HasColumnName("algorithm").HasMaxLength(16);
        key.Property(record => record.PublicKey).HasColumnName("public_key");
        key.Property(record => record.ProtectedPrivateKey).HasColumnName("protected_private_key");
        key.Property(record => record.CreatedAt).HasColumnName("created_at");
        key.Property(record => record.ActivatesAt).HasColumnName("activates_at");
        key.Property(record => record.RetiresAt).HasColumnName("retires_at");
    });
}
