using HealthPlatform.Contracts.Audit;
using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.Consent.Store;

/// <summary>
/// One version of a consent, kept for its history: the FHIR resource sealed under the patient's
/// key (bound to consent, version and patient, so a row moved or swapped does not decrypt), who
/// recorded it and whether on the patient's behalf, and whether every instance has been told.
/// </summary>
public sealed class StoredConsentVersion
{
    public required string ConsentId { get; init; }

    public required int Version { get; init; }

    public required string PatientId { get; init; }

    public required string Status { get; init; }

    /// <summary>The FHIR JSON, sealed by the key-management client's cipher (<c>consent-phi</c>, the patient's key).</summary>
    public required byte[] Content { get; init; }

    public required DateTimeOffset RecordedAt { get; init; }

    /// <summary>The user's subject id, or the client for an app acting on its own.</summary>
    public required string RecordedBy { get; init; }

    /// <summary>Staff recorded it for the patient (not the patient themself).</summary>
    public required bool OnBehalfOfPatient { get; init; }

    public required ConsentChange Change { get; init; }

    /// <summary>The <see cref="ConsentChanged"/> event's id (the same in the audit log and on the bus).</summary>
    public required Guid EventId { get; init; }

    /// <summary>When the broker confirmed the change's fan-out to every caller instance; null until then (a relay retries).</summary>
    public DateTimeOffset? PublishedAt { get; set; }

    internal static void Configure(ModelBuilder modelBuilder) => modelBuilder.Entity<StoredConsentVersion>(version =>
    {
        version.ToTable("consent_versions");
        version.HasKey(stored => new { stored.ConsentId, stored.Version });
        version.Property(stored => stored.ConsentId).HasColumnName("consent_id").HasMaxLength(64);
        version.Property(stored => stored.Version).HasColumnName("version");
        version.Property(stored => stored.PatientId).HasColumnName("patient_id").HasMaxLength(64);
        version.Property(stored => stored.Status).HasColumnName("status").HasMaxLength(32);
        version.Property(stored => stored.Content).HasColumnName("content");
        version.Property(stored => stored.RecordedAt).HasColumnName("recorded_at");
        version.Property(stored => stored.RecordedBy).HasColumnName("recorded_by").HasMaxLength(200);
        version.Property(stored => stored.OnBehalfOfPatient).HasColumnName("on_behalf_of_patient");
        version.Property(stored => stored.Change).HasColumnName("change").HasConversion<string>().HasMaxLength(16);
        version.Property(stored => stored.EventId).HasColumnName("event_id");
        version.Property(stored => stored.PublishedAt).HasColumnName("published_at");
        version.HasOne<StoredConsent>().WithMany().HasForeignKey(stored => stored.ConsentId);
        version.HasIndex(stored => stored.RecordedAt).HasFilter("published_at IS NULL").HasDatabaseName("ix_consent_versions_unpublished");
    });
}
