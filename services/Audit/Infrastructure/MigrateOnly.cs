using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Data;

namespace HealthPlatform.Audit.Infrastructure;

/// <summary>
/// <c>--migrate-only</c>: applies the audit schema's migrations and the runtime role's grants as the
/// owner, then exits — for a Kubernetes init container or Job, the only place the owner's
/// credentials (<c>ConnectionStrings:auditdb-owner</c>) need to exist. The service itself then runs
/// with the runtime role alone (<c>ConnectionStrings:auditdb</c>) and waits until this has run.
/// </summary>
public static class MigrateOnly
{
    public const string Argument = "--migrate-only";

    /// <summary>Migrates and grants; returns the process exit code (0 done, 2 misconfigured).</summary>
    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var builder = Host.CreateApplicationBuilder(args);
        return await RunAsync(builder, cancellationToken);
    }

    public static async Task<int> RunAsync(HostApplicationBuilder builder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Configuration.GetSection("ConnectionStrings")[Extensions.Extensions.OwnerConnectionName] is null)
        {
            await Console.Error.WriteLineAsync($"{Argument}: ConnectionStrings:{Extensions.Extensions.OwnerConnectionName} (the schema owner) is required.");
            return 2;
        }

        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddPlatformDatabase<AuditDbContext>(ResourceNames.AuditDatabase, Extensions.Extensions.OwnerConnectionName);
        builder.Services.AddSingleton<IDatabaseGrants<AuditDbContext>, AuditDatabaseGrants>();
        using var host = builder.Build();
        var migrations = host.Services.GetRequiredService<DatabaseInitializer<AuditDbContext>>();
        await host.StartAsync(cancellationToken);
        try
        {
            // The initializer retries while the database is unreachable; a Job's deadline bounds it.
            await migrations.Completed.WaitAsync(cancellationToken);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }

        return 0;
    }
}
