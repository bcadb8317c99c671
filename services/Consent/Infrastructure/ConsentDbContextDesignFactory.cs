using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace HealthPlatform.Consent.Infrastructure;

/// <summary>
/// Lets <c>dotnet ef migrations add</c> build the model without starting the service. The
/// connection string names no password: creating a migration never connects.
/// </summary>
internal sealed class ConsentDbContextDesignFactory : IDesignTimeDbContextFactory<ConsentDbContext>
{
    public ConsentDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<ConsentDbContext>().UseNpgsql("Host=localhost;Database=design").Options);
}
