using HealthPlatform.Identity.Administration;
using HealthPlatform.Identity.Revocations;
using HealthPlatform.Identity.SigningKeys;
using HealthPlatform.Identity.Users;
using HealthPlatform.ServiceDefaults.Audit.Outbox;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.Identity.Infrastructure;

/// <summary>The identity service's own database (users, clients, tokens, signing keys); no other service can reach it.</summary>
public sealed class IdentityDbContext(DbContextOptions<IdentityDbContext> options)
    : Microsoft.AspNetCore.Identity.EntityFrameworkCore.IdentityDbContext<PlatformUser>(options), IDataProtectionKeyContext
{
    /// <summary>The Data Protection key ring every replica shares; each key encrypted (see <see cref="KeyRingProtection"/>).</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    /// <summary>Revocations still in force (tokens, users, clients), read by every validating service.</summary>
    public DbSet<AccessRevocationRecord> AccessRevocations => Set<AccessRevocationRecord>();

    public DbSet<RoleElevation> RoleElevations => Set<RoleElevation>();

    public DbSet<BusinessAssociateAgreement> BusinessAssociateAgreements => Set<BusinessAssociateAgreement>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.Entity<PlatformUser>(user =>
        {
            user.Property(u => u.FhirUser).HasMaxLength(128);
            user.Property(u => u.PatientId).HasMaxLength(64);

            // One account per patient record: two would both act as that patient.
            user.HasIndex(u => u.PatientId).IsUnique().HasFilter("\"PatientId\" IS NOT NULL");
        });
        builder.AddAuditOutbox();
        SigningKeyRecord.Configure(builder);
        AccessRevocationRecord.Configure(builder);
        RoleElevation.Configure(builder);
        BusinessAssociateAgreement.Configure(builder);
        builder.UseOpenIddict();
    }
}
