using HealthPlatform.Contracts.Revocation;
using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.Identity.Revocations;

/// <summary>
/// One revocation as the identity service keeps it: the durable list every validating service
/// loads at start and re-reads now and then. <see cref="PublishedAt"/> is null until the broker has
/// confirmed the <see cref="AccessRevoked"/> event (a relay retries until it has).
/// </summary>
public sealed class AccessRevocationRecord
{
    public required Guid Id { get; init; }

    public required RevocationScope Scope { get; init; }

    public required string Value { get; init; }

    public required DateTimeOffset RevokedAt { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    public DateTimeOffset? PublishedAt { get; set; }

    public AccessRevoked ToEvent() => new() { RevocationId = Id, Scope = Scope, Value = Value, RevokedAt = RevokedAt, ExpiresAt = ExpiresAt };

    internal static void Configure(ModelBuilder modelBuilder) => modelBuilder.Entity<AccessRevocationRecord>(revocation =>
    {
        revocation.ToTable("access_revocations");
        revocation.HasKey(record => record.Id);
        revocation.Property(record => record.Id).HasColumnName("id");
        revocation.Property(record => record.Scope).HasColumnName("scope");
        revocation.Property(record => record.Value).HasColumnName("value").HasMaxLength(200);
        revocation.Property(record => record.RevokedAt).HasColumnName("revoked_at");
        revocation.Property(record => record.ExpiresAt).HasColumnName("expires_at");
        revocation.Property(record => record.PublishedAt).HasColumnName("published_at");
        revocation.HasIndex(record => record.ExpiresAt);
        revocation.HasIndex(record => record.PublishedAt).HasFilter("published_at IS NULL");
    });
}
