using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace HealthPlatform.ServiceDefaults.Data;

/// <summary>
/// Lets <c>dotnet ef migrations add</c> build a service's model without starting the service
/// (which would demand every connection string). The connection string names no password:
/// creating a migration never connects. Each service derives one line from this.
/// </summary>
public abstract class DesignTimeDbContextFactory<TContext> : IDesignTimeDbContextFactory<TContext>
    where TContext : DbContext
{
    public TContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<TContext>().UseNpgsql("Host=localhost;Database=design").Options;
        return (TContext)Activator.CreateInstance(typeof(TContext), options)!;
    }
}
