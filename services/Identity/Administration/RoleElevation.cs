using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.Identity.Administration;

/// <summary>
/// Just-in-time elevation: a role held for a bounded time, for a stated reason, granted by an
/// administrator. It counts only until <see cref="ExpiresAt"/> (checked at every sign-in and token
/// request); when it has passed, <see cref="ElevationExpiry"/> records the end, audits it, and
/// revokes the user's tokens so none carrying the role outlives it.
/// </summary>
public sealed class RoleElevation
{
    public required Guid Id { get; init; }

    public required string UserId { get; init; }

    public required string Role { get; init; }

    public required string Reason { get; init; }

    /// <summary>The administrator's user id.</summary>
    public required string GrantedBy { get; init; }

    public required DateTimeOffset GrantedAt { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>When the expiry was recorded (audited, tokens revoked); null while in force or not yet processed.</summary>
    public DateTimeOffset? EndedAt { get; set; }

    internal static void Configure(ModelBuilder modelBuilder) => modelBuilder.Entity<RoleElevation>(elevation =>
    {
        elevation.ToTable("role_elevations");
        elevation.HasKey(record => record.Id);
        elevation.Property(record => record.Id).HasColumnName("id");
        elevation.Property(record => record.UserId).HasColumnName("user_id").HasMaxLength(64);
        elevation.Property(record => record.Role).HasColumnName("role").HasMaxLength(64);
        elevation.Property(record => record.Reason).HasColumnName("reason").HasMaxLength(500);
        elevation.Property(record => record.GrantedBy).HasColumnName("granted_by").HasMaxLength(64);
        elevation.Property(record => record.GrantedAt).HasColumnName("granted_at");
        elevation.Property(record => record.ExpiresAt).HasColumnName("expires_at");
        elevation.Property(record => record.EndedAt).HasColumnName("ended_at");
        elevation.HasIndex(record => record.UserId);
        elevation.HasIndex(record => record.ExpiresAt).HasFilter("ended_at IS NULL");
    });
}

/// <summary>
/// A Business Associate Agreement (HIPAA §164.504(e)) recorded for a third-party client: who signed
/// it, when, and where the document is. Without one, a third-party client gets no PHI scope.
/// </summary>
public sealed class BusinessAssociateAgreement
{
    public required Guid Id { get; init; }

    public required string ClientId { get; init; }

    /// <summary>Who signed for the business associate (a name and organisation, as on the document).</summary>
    public required string SignedBy { get; init; }

    public required DateOnly SignedOn { get; init; }

    /// <summary>Where the signed document is kept (a document-management reference or URL).</summary>
    public required string DocumentReference { get; init; }

    /// <summary>The administrator who recorded it.</summary>
    public required string RecordedBy { get; init; }

    public required DateTimeOffset RecordedAt { get; init; }

    internal static void Configure(ModelBuilder modelBuilder) => modelBuilder.Entity<BusinessAssociateAgreement>(agreement =>
    {
        agreement.ToTable("business_associate_agreements");
        agreement.HasKey(record => record.Id);
        agreement.Property(record => record.Id).HasColumnName("id");
        agreement.Property(record => record.ClientId).HasColumnName("client_id").HasMaxLength(100);
        agreement.Property(record => record.SignedBy).HasColumnName("signed_by").HasMaxLength(200);
        agreement.Property(record => record.SignedOn).HasColumnName("signed_on");
        agreement.Property(record => record.DocumentReference).HasColumnName("document_reference").HasMaxLength(500);
        agreement.Property(record => record.RecordedBy).HasColumnName("recorded_by").HasMaxLength(64);
        agreement.Property(record => record.RecordedAt).HasColumnName("recorded_at");
        agreement.HasIndex(record => record.ClientId);
    });
}
