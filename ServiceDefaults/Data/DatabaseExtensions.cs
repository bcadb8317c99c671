using HealthPlatform.ServiceDefaults.Audit.Outbox;
using HealthPlatform.ServiceDefaults.Health;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace HealthPlatform.ServiceDefaults.Data;

public static class DatabaseExtensions
{
    /// <summary>
    /// Registers the service's own <typeparamref name="TContext"/> on <c>ConnectionStrings:{name}</c>,
    /// the initializer that applies its migrations, and a readiness check named <paramref name="name"/>
    /// that stays unhealthy until the migrations are in and the database answers.
    /// </summary>
    /// <remarks>
    /// With <paramref name="ownerConnectionName"/>, the connection string <paramref name="name"/> is a
    /// weaker runtime role and migrations run as the owner (<see cref="DatabaseOwner{TContext}"/>).
    /// </remarks>
    public static IHostApplicationBuilder AddPlatformDatabase<TContext>(this IHostApplicationBuilder builder, string name, string? ownerConnectionName = null)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(builder);
        var connectionString = builder.Configuration.GetRequiredConnectionString(name);
        EnsureValid(name, connectionString);
        if (ownerConnectionName is not null)
        {
            var ownerConnectionString = builder.Configuration.GetSection("ConnectionStrings")[ownerConnectionName];
            if (ownerConnectionString is not null)
            {
                EnsureValid(ownerConnectionName, ownerConnectionString);
            }

            builder.Services.AddSingleton(new DatabaseOwner<TContext>(ownerConnectionName, ownerConnectionString));
        }

        builder.Services.AddDbContext<TContext>((services, options) =>
        {
            options.UseNpgsql(connectionString, npgsql => npgsql.EnableRetryOnFailure(maxRetryCount: 3));
            if (services.GetService<AuditOutboxInterceptor>() is { } outbox)
            {
                options.AddInterceptors(outbox);
            }
        });

        builder.Services.AddSingleton<DatabaseInitializer<TContext>>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DatabaseInitializer<TContext>>());
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck<TContext>>(name, tags: [HealthTags.Ready]);
        return builder;
    }

    /// <summary>
    /// The service runs as a weaker role than the schema's owner: <c>ConnectionStrings:{name}</c> is the
    /// runtime role, <c>ConnectionStrings:{name}-owner</c> (where present) migrates and then applies
    /// <typeparamref name="TGrants"/>, and readiness check <paramref name="appendOnlyCheck"/> fails while
    /// the runtime role could change the grants' append-only tables.
    /// </summary>
    public static IHostApplicationBuilder AddPlatformDatabase<TContext, TGrants>(this IHostApplicationBuilder builder, string name, string appendOnlyCheck)
        where TContext : DbContext
        where TGrants : class, IDatabaseGrants<TContext>
    {
        builder.AddPlatformDatabase<TContext>(name, DatabaseOwner.ConnectionNameOf(name));
        builder.Services.AddSingleton<IDatabaseGrants<TContext>, TGrants>();
        builder.Services.AddHealthChecks()
            .AddCheck<AppendOnlyHealthCheck<TContext>>(appendOnlyCheck, tags: [HealthTags.Ready]);
        return builder;
    }

    private static void EnsureValid(string name, string connectionString)
    {
        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException)
        {
            // Npgsql's message may quote the string, password included: name the setting instead.
            throw new InvalidOperationException($"Setting 'ConnectionStrings:{name}' is not a valid PostgreSQL connection string.");
        }
    }
}
