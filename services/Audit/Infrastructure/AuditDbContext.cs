using HealthPlatform.ServiceDefaults.Audit.Outbox;
using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.Audit.Infrastructure;

/// <summary>The audit service's own database; no other service can reach it.</summary>
public sealed class AuditDbContext(DbContextOptions<AuditDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.AddAuditOutbox();
}
