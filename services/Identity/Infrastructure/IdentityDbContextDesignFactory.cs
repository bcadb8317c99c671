using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace HealthPlatform.Identity.Infrastructure;

/// <summary>
/// Lets <c>dotnet ef migrations add</c> build the model without starting the service. The
/// connection string names no password: creating a migration never connects.
/// </summary>
internal sealed class IdentityDbContextDesignFactory : IDesignTimeDbContextFactory<IdentityDbContext>
{
    public IdentityDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<IdentityDbContext>().UseNpgsql("Host=localhost;Database=design").Options);
}
