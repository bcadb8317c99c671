using HealthPlatform.Audit.Checkpoints;
using HealthPlatform.Audit.Detection;
using HealthPlatform.Audit.Ledger;
using HealthPlatform.ServiceDefaults.Audit.Outbox;
using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.Audit.Infrastructure;

/// <summary>The audit service's own database: the hash-chained log, its signed checkpoints, and the alerts the detection rules raised; no other service can reach it.</summary>
public sealed class AuditDbContext(DbContextOptions<AuditDbContext> options) : DbContext(options)
{
    public DbSet<LedgerEntry> Entries => Set<LedgerEntry>();

    public DbSet<Checkpoint> Checkpoints => Set<Checkpoint>();

    public DbSet<Alert> Alerts => Set<Alert>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddAuditOutbox();
        LedgerEntry.Configure(modelBuilder);
        Checkpoint.Configure(modelBuilder);
        Alert.Configure(modelBuilder);
        DetectionCursor.Configure(modelBuilder);
    }
}
