using HealthPlatform.ServiceDefaults.Audit.Outbox;
using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.KeyManagement.Infrastructure;

/// <summary>The key-management service's own database; no other service can reach it.</summary>
public sealed class KeyManagementDbContext(DbContextOptions<KeyManagementDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.AddAuditOutbox();
}
