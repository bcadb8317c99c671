using HealthPlatform.ServiceDefaults.Audit.Outbox;
using HealthPlatform.Identity.SigningKeys;
using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.Identity.Infrastructure;

/// <summary>The identity service's own database; no other service can reach it.</summary>
public sealed class IdentityDbContext(DbContextOptions<IdentityDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddAuditOutbox();
        SigningKeyRecord.Configure(modelBuilder);
        modelBuilder.UseOpenIddict();
    }
}
