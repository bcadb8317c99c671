using HealthPlatform.Consent.Store;
using HealthPlatform.ServiceDefaults.Audit.Outbox;
using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.Consent.Infrastructure;

/// <summary>The consent service's own database: consents (ids and status in clear, content sealed) and their history; no other service can reach it.</summary>
public sealed class ConsentDbContext(DbContextOptions<ConsentDbContext> options) : DbContext(options)
{
    public DbSet<StoredConsent> Consents => Set<StoredConsent>();

    public DbSet<StoredConsentVersion> Versions => Set<StoredConsentVersion>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddAuditOutbox();
        StoredConsent.Configure(modelBuilder);
        StoredConsentVersion.Configure(modelBuilder);
    }
}
