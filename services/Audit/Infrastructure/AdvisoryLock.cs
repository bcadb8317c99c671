using Npgsql;

namespace HealthPlatform.Audit.Infrastructure;

/// <summary>Postgres transaction-scoped advisory locks: held until the transaction ends, on any path.</summary>
internal static class AdvisoryLock
{
    public static async Task AcquireAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long key, CancellationToken cancellationToken)
    {
        await using var acquire = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction);
        acquire.Parameters.AddWithValue("key", key);
        await acquire.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>False at once when another session holds it.</summary>
    public static async Task<bool> TryAcquireAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long key, CancellationToken cancellationToken)
    {
        await using var acquire = new NpgsqlCommand("SELECT pg_try_advisory_xact_lock(@key)", connection, transaction);
        acquire.Parameters.AddWithValue("key", key);
        return await acquire.ExecuteScalarAsync(cancellationToken) is true;
    }
}
