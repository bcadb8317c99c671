using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace HealthPlatform.ServiceDefaults.Tests.Data;

/// <summary>A small context with one migration, to exercise the migration runner on real Postgres.</summary>
public sealed class ProbeDbContext(DbContextOptions<ProbeDbContext> options) : DbContext(options)
{
    public DbSet<ProbeItem> Items => Set<ProbeItem>();

    public static ProbeDbContext Create(string connectionString) =>
        new(new DbContextOptionsBuilder<ProbeDbContext>()
            .UseNpgsql(connectionString)
            // The hand-written migration below has no model snapshot; the table it creates is what counts here.
            .ConfigureWarnings(warnings => warnings.Ignore(RelationalEventId.PendingModelChangesWarning))
            .Options);

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<ProbeItem>().ToTable("probe_items");
}
