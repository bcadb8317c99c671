using HealthPlatform.ServiceDefaults.Audit.Outbox;
using HealthPlatform.ServiceDefaults.Data;
using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.ServiceDefaults.Tests.Audit;

/// <summary>A service's database in miniature: one table of changes, and the audit outbox beside it.</summary>
public sealed class PrescriptionsDbContext(DbContextOptions<PrescriptionsDbContext> options) : DbContext(options)
{
    public DbSet<Prescription> Prescriptions => Set<Prescription>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Prescription>().ToTable("prescriptions");
        modelBuilder.AddAuditOutbox();
    }
}

public sealed class Prescription
{
    public Guid Id { get; set; }

    public required string PatientId { get; set; }
}

/// <summary>For <c>dotnet ef</c>.</summary>
internal sealed class PrescriptionsDbContextDesignFactory : DesignTimeDbContextFactory<PrescriptionsDbContext>;
