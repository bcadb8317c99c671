using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace HealthPlatform.ServiceDefaults.Data;

/// <summary>
/// Applies migrations while holding a session-level Postgres advisory lock, so that replicas
/// starting at the same moment migrate one after another. EF Core's own migration lock covers
/// applying migrations but not creating the history table on an empty database, where two
/// replicas can still collide.
/// </summary>
public static class MigrationRunner
{
    public static async Task MigrateAsync(DbContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var connectionString = context.Database.GetConnectionString()
            ?? throw new InvalidOperationException($"{context.GetType().Name} has no connection string.");
        var lockKey = LockKeyFor(context.GetType());

        // The lock belongs to this session. The connection is not pooled, so closing it (on any
        // path, a crash included) ends the session and releases the lock for the other replicas.
        var lockConnectionString = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
        await using var lockConnection = new NpgsqlConnection(lockConnectionString);
        await lockConnection.OpenAsync(cancellationToken);
        await using var acquire = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", lockConnection);
        acquire.Parameters.AddWithValue("key", lockKey);
        await acquire.ExecuteNonQueryAsync(cancellationToken);

        await context.Database.MigrateAsync(cancellationToken);
    }

    /// <summary>A stable 64-bit key per context type (FNV-1a of its full name).</summary>
    private static long LockKeyFor(Type contextType)
    {
        const ulong offset = 14695981039346656037;
        const ulong prime = 1099511628211;
        var hash = offset;
        foreach (var c in contextType.FullName ?? contextType.Name)
        {
            hash = (hash ^ c) * prime;
        }

        return unchecked((long)hash);
    }
}
