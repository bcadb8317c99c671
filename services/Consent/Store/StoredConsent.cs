using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.Consent.Store;

/// <summary>
/// A consent's current state, with only what lookups need in clear (ADR-011): its id, its
/// patient, its current version and its status. What the consent says is in
/// <see cref="StoredConsentVersion.Content"/>, encrypted.
/// </summary>
public sealed class StoredConsent
{
    public required string Id { get; init; }

    public required string PatientId { get; init; }

    /// <summary>The current version; also the optimistic-concurrency token, so two writers cannot both make version n+1.</summary>
    public int Version { get; set; }

    /// <summary>The FHIR status code (<c>active</c>, <c>inactive</c>, …): decisions read active consents only.</summary>
    public required string Status { get; set; }

    public DateTimeOffset LastUpdated { get; set; }

    internal static void Configure(ModelBuilder modelBuilder) => modelBuilder.Entity<StoredConsent>(consent =>
    {
        consent.ToTable("consents");
        consent.HasKey(stored => stored.Id);
        consent.Property(stored => stored.Id).HasColumnName("id").HasMaxLength(64);
        consent.Property(stored => stored.PatientId).HasColumnName("patient_id").HasMaxLength(64);
        consent.Property(stored => stored.Version).HasColumnName("version").IsConcurrencyToken();
        consent.Property(stored => stored.Status).HasColumnName("status").HasMaxLength(32);
        consent.Property(stored => stored.LastUpdated).HasColumnName("last_updated");
        consent.HasIndex(stored => new { stored.PatientId, stored.Status });
    });
}
