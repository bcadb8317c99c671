using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace HealthPlatform.KeyManagement.Infrastructure;

/// <summary>
/// Lets <c>dotnet ef migrations add</c> build the model without starting the service. The
/// connection string names no password: creating a migration never connects.
/// </summary>
internal sealed class KeyManagementDbContextDesignFactory : IDesignTimeDbContextFactory<KeyManagementDbContext>
{
    public KeyManagementDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<KeyManagementDbContext>().UseNpgsql("Host=localhost;Database=design").Options);
}
