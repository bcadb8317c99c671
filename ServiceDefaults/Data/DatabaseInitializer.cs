using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace HealthPlatform.ServiceDefaults.Data;

/// <summary>
/// Applies the service's migrations in the background, retrying until the database answers, so
/// the process starts (and reports "not ready") instead of crashing while Postgres comes up.
/// </summary>
public sealed partial class DatabaseInitializer<TContext>(
    IServiceScopeFactory scopes,
    TimeProvider time,
    ILogger<DatabaseInitializer<TContext>> logger) : BackgroundService
    where TContext : DbContext
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(10);
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once every migration has been applied.</summary>
    public Task Completed => _completed.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var context = scope.ServiceProvider.GetRequiredService<TContext>();
                if (scope.ServiceProvider.GetService<DatabaseOwner<TContext>>() is { } owner)
                {
                    await MigrateAsOwnerAsync(scope.ServiceProvider, context, owner, stoppingToken);
                }
                else
                {
                    await MigrationRunner.MigrateAsync(context, stoppingToken);
                }

                LogMigrated(logger, typeof(TContext).Name, attempt);
                _completed.TrySetResult();
                return;
            }
            catch (Exception ex) when (!IsTransient(ex))
            {
                // Whoever waits for the migrations learns they failed instead of waiting forever.
                _completed.TrySetException(ex);
                throw;
            }
            catch (Exception ex) when (IsTransient(ex))
            {
                LogRetry(logger, typeof(TContext).Name, attempt, ex.GetType().Name, ex.Message);
                await Task.Delay(delay, time, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
            }
        }
    }

    private static async Task MigrateAsOwnerAsync(IServiceProvider services, TContext runtime, DatabaseOwner<TContext> owner, CancellationToken cancellationToken)
    {
        if (owner.ConnectionString is null)
        {
            // Someone else migrates (an init container with the owner's credentials): wait for them.
            var pending = (await runtime.Database.GetPendingMigrationsAsync(cancellationToken)).Count();
            if (pending > 0)
            {
                throw new MigrationsPendingException($"{pending} migration(s) not applied, and ConnectionStrings:{owner.ConnectionName} is not set here.");
            }

            return;
        }

        var runtimeRole = new NpgsqlConnectionStringBuilder(runtime.Database.GetConnectionString()).Username
            ?? throw new InvalidOperationException("The runtime connection string names no user.");
        var options = new DbContextOptionsBuilder<TContext>().UseNpgsql(owner.ConnectionString).Options;
        await using var context = ActivatorUtilities.CreateInstance<TContext>(services, options);
        await MigrationRunner.MigrateAsync(context, cancellationToken);
        foreach (var grants in services.GetServices<IDatabaseGrants<TContext>>())
        {
            await grants.GrantAsync(context, runtimeRole, cancellationToken);
        }
    }

    /// <summary>
    /// Waiting helps only while the database is unreachable, starting, or not yet provisioned
    /// (its role or database not created). Anything else (a faulty migration, a model without
    /// its migration) is a bug: it escapes and stops the service instead of hiding behind "not ready".
    /// </summary>
    private static bool IsTransient(Exception exception) => exception switch
    {
        PostgresException postgres => postgres.IsTransient
            || postgres.SqlState is PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidCatalogName
                or PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.CannotConnectNow,
        NpgsqlException npgsql => npgsql.IsTransient,
        RetryLimitExceededException or TimeoutException or MigrationsPendingException => true,
        _ => false,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "{Context}: migrations applied (attempt {Attempt})")]
    private static partial void LogMigrated(ILogger logger, string context, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Context}: database not ready (attempt {Attempt}, {Error}: {Reason}); retrying")]
    private static partial void LogRetry(ILogger logger, string context, int attempt, string error, string reason);
}

/// <summary>The schema is behind and this process may not migrate it: wait for the one that may.</summary>
internal sealed class MigrationsPendingException(string message) : Exception(message);
