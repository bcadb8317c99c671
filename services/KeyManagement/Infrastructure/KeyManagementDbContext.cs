using HealthPlatform.KeyManagement.Keys;
using HealthPlatform.ServiceDefaults.Audit.Outbox;
using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.KeyManagement.Infrastructure;

/// <summary>The key-management service's own database (key-encryption keys, wrapped by the root key); no other service can reach it.</summary>
public sealed class KeyManagementDbContext(DbContextOptions<KeyManagementDbContext> options) : DbContext(options)
{
    public DbSet<KeyVersionRecord> KeyVersions => Set<KeyVersionRecord>();

    public DbSet<ManagedKeyRecord> ManagedKeys => Set<ManagedKeyRecord>();

    public DbSet<SubjectKeyRecord> SubjectKeys => Set<SubjectKeyRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddAuditOutbox();
        KeyVersionRecord.Configure(modelBuilder);
        ManagedKeyRecord.Configure(modelBuilder);
        SubjectKeyRecord.Configure(modelBuilder);
    }
}
