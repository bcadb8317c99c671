using HealthPlatform.Audit.Checkpoints;
using HealthPlatform.Audit.Ledger;
using HealthPlatform.ServiceDefaults.Audit.Outbox;
using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.Audit.Infrastructure;

/// <summary>The audit service's own database: the hash-chained log and its signed checkpoints; no other service can reach it.</summary>
public sealed class AuditDbContext(DbContextOptions<AuditDbContext> options) : DbContext(options)
{
    public DbSet<LedgerEntry> Entries => Set<LedgerEntry>();

    public DbSet<Checkpoint> Checkpoints => Set<Checkpoint>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddAuditOutbox();
        LedgerEntry.Configure(modelBuilder);
        Checkpoint.Configure(modelBuilder);
    }
}
