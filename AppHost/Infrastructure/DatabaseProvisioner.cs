using Aspire.Hosting.ApplicationModel;
using Npgsql;

namespace HealthPlatform.AppHost.Infrastructure;

/// <summary>
/// Creates each service's role and database on the server (idempotently, on every start, so a
/// regenerated password takes effect), and closes every database to roles other than its owner.
/// </summary>
internal static class DatabaseProvisioner
{
    public static async Task ProvisionAsync(IResourceWithConnectionString server, IReadOnlyList<ServiceDatabaseResource> databases, CancellationToken cancellationToken)
    {
        var adminConnectionString = await server.ConnectionStringExpression.GetValueAsync(cancellationToken);
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync(cancellationToken);

        // Service roles need no access to the maintenance databases.
        await ExecuteAsync(connection, "REVOKE CONNECT ON DATABASE postgres FROM PUBLIC", cancellationToken);
        await ExecuteAsync(connection, "REVOKE CONNECT ON DATABASE template1 FROM PUBLIC", cancellationToken);

        foreach (var database in databases)
        {
            var password = await database.Password.GetValueAsync(cancellationToken)
                ?? throw new InvalidOperationException($"Parameter '{database.Password.Name}' has no value.");
            await EnsureRoleAsync(connection, database.DatabaseName, ScramVerifier.Create(password), cancellationToken);
            await EnsureDatabaseAsync(connection, database.DatabaseName, cancellationToken);
            if (database.RuntimePassword is not null)
            {
                // Owns nothing; the service's migrations (run as the owner) grant it what it may do.
                var runtimePassword = await database.RuntimePassword.GetValueAsync(cancellationToken)
                    ?? throw new InvalidOperationException($"Parameter '{database.RuntimePassword.Name}' has no value.");
                await EnsureRoleAsync(connection, database.RuntimeRoleName, ScramVerifier.Create(runtimePassword), cancellationToken);
                await ExecuteAsync(connection, $"GRANT CONNECT ON DATABASE {QuoteIdentifier(database.DatabaseName)} TO {QuoteIdentifier(database.RuntimeRoleName)}", cancellationToken);
            }
        }
    }

    private static async Task EnsureRoleAsync(NpgsqlConnection connection, string role, string verifier, CancellationToken cancellationToken)
    {
        // DDL takes no bind parameters: pass the values through session settings and quote them
        // inside the server with format(%I, %L), so no value is ever spliced into SQL text here.
        // The password travels only as its SCRAM verifier.
        await using (var set = new NpgsqlCommand("SELECT set_config('healthplatform.role', @role, false), set_config('healthplatform.password', @verifier, false)", connection))
        {
            set.Parameters.AddWithValue("role", role);
            set.Parameters.AddWithValue("verifier", verifier);
            await set.ExecuteNonQueryAsync(cancellationToken);
        }

        await ExecuteAsync(connection, """
            DO $$
            DECLARE
                role_name text := current_setting('healthplatform.role');
            BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = role_name) THEN
                    EXECUTE format('CREATE ROLE %I', role_name);
                END IF;
                EXECUTE format('ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD %L',
                    role_name, current_setting('healthplatform.password'));
            END $$
            """, cancellationToken);
        await ExecuteAsync(connection, "SELECT set_config('healthplatform.password', '', false)", cancellationToken);
    }

    private static async Task EnsureDatabaseAsync(NpgsqlConnection connection, string database, CancellationToken cancellationToken)
    {
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", database);
        var quoted = QuoteIdentifier(database);
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            // CREATE DATABASE cannot run inside a DO block; the name is a checked identifier.
            await ExecuteAsync(connection, $"CREATE DATABASE {quoted} OWNER {quoted}", cancellationToken);
        }

        await ExecuteAsync(connection, $"ALTER DATABASE {quoted} OWNER TO {quoted}", cancellationToken);
        await ExecuteAsync(connection, $"REVOKE ALL ON DATABASE {quoted} FROM PUBLIC", cancellationToken);
    }

    private static string QuoteIdentifier(string name) =>
        name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_') && name.Length is > 0 and < 64
            ? $"\"{name}\""
            : throw new ArgumentException($"'{name}' is not a plain lower-case Postgres identifier.", nameof(name));

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
