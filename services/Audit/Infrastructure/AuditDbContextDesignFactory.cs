using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace HealthPlatform.Audit.Infrastructure;

/// <summary>
/// Lets <c>dotnet ef migrations add</c> build the model without starting the service. The
/// connection string names no password: creating a migration never connects.
/// </summary>
internal sealed class AuditDbContextDesignFactory : IDesignTimeDbContextFactory<AuditDbContext>
{
    public AuditDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<AuditDbContext>().UseNpgsql("Host=localhost;Database=design").Options);
}
