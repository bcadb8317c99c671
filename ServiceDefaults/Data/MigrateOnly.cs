using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HealthPlatform.ServiceDefaults.Data;

/// <summary>
/// <c>--migrate-only</c>: applies a service's migrations and its runtime role's grants as the schema's
/// owner, then exits — for a Kubernetes init container or Job, the only place the owner's credentials
/// (<c>ConnectionStrings:{name}-owner</c>) need to exist. The service itself then runs with the
/// runtime role alone (<c>ConnectionStrings:{name}</c>) and waits, not ready, until this has run.
/// </summary>
public static class MigrateOnly
{
    public const string Argument = "--migrate-only";

    public static bool IsRequested(IReadOnlyCollection<string> args) => args.Contains(Argument);

    /// <summary>A plain host for the step, configured from <paramref name="args"/> without the switch.</summary>
    public static HostApplicationBuilder CreateBuilder(IEnumerable<string> args) =>
        Host.CreateApplicationBuilder([.. args.Where(arg => arg != Argument)]);

    /// <summary>Migrates and grants; returns the process exit code (0 done, 2 misconfigured).</summary>
    public static async Task<int> RunAsync<TContext, TGrants>(HostApplicationBuilder builder, string name, CancellationToken cancellationToken = default)
        where TContext : DbContext
        where TGrants : class, IDatabaseGrants<TContext>
    {
        ArgumentNullException.ThrowIfNull(builder);
        var owner = DatabaseOwner.ConnectionNameOf(name);
        if (builder.Configuration.GetSection("ConnectionStrings")[owner] is null)
        {
            await Console.Error.WriteLineAsync($"{Argument}: ConnectionStrings:{owner} (the schema owner) is required.");
            return 2;
        }

        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddPlatformDatabase<TContext, TGrants>(name, name + "-append-only");
        using var host = builder.Build();
        var migrations = host.Services.GetRequiredService<DatabaseInitializer<TContext>>();
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
