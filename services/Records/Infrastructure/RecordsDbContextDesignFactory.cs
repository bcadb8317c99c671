using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace HealthPlatform.Records.Infrastructure;

/// <summary>
/// Lets <c>dotnet ef migrations add</c> build the model without starting the service. The
/// connection string names no password: creating a migration never connects.
/// </summary>
internal sealed class RecordsDbContextDesignFactory : IDesignTimeDbContextFactory<RecordsDbContext>
{
    public RecordsDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<RecordsDbContext>().UseNpgsql("Host=localhost;Database=design").Options);
}
