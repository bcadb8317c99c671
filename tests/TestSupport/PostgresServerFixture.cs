using System.Globalization;
using HealthPlatform.LocalInfrastructure;
using Npgsql;

namespace HealthPlatform.Testing;

/// <summary>
/// A real PostgreSQL server for these tests, started with the same launcher the AppHost's local
/// mode uses (initdb on a fresh folder; run as the postgres user when root), stopped afterwards.
/// </summary>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("hp-pg-").FullName;
    private RunningServer? _server;
    private PostgresCluster? _cluster;

    public async Task InitializeAsync()
    {
        // The temp folder is owner-only; postgres (when we are root) must be able to enter it.
        File.SetUnixFileMode(_root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherExecute | UnixFileMode.GroupExecute);
        _cluster = new PostgresCluster(PostgresInstallation.Find(), _root);
        await _cluster.EnsureInitializedAsync(CancellationToken.None);
        var port = FreePort.Next();
        _server = await RunningServer.StartAsync(
            _cluster.ServerCommand(port.ToString(CultureInfo.InvariantCulture), durable: false), port, TimeSpan.FromSeconds(60), CancellationToken.None);

        // Postgres accepts TCP a moment before it accepts sessions ("the database system is starting up").
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
                await connection.OpenAsync(deadline.Token);
                return;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.CannotConnectNow)
            {
                await Task.Delay(100, deadline.Token);
            }
        }
    }

    /// <summary>Creates a fresh, empty database and returns a superuser connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"test_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(ConnectionString("postgres")))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        return ConnectionString(name);
    }

    /// <summary>
    /// A fresh database owned by a new login role (which migrates), and a second login role with no
    /// privileges of its own (which the service runs as, and is granted what it needs by the owner):
    /// the two-role layout of a service whose runtime must be weaker than its schema's owner.
    /// </summary>
    public async Task<ServiceDatabase> CreateDatabaseWithRuntimeRoleAsync()
    {
        var name = $"test_{Guid.NewGuid():N}";
        var owner = (Name: name + "_owner", Password: Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)));
        var runtime = (Name: name + "_app", Password: Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)));
        await using (var connection = new NpgsqlConnection(ConnectionString("postgres")))
        {
            await connection.OpenAsync();
            foreach (var sql in new[]
            {
                $"CREATE ROLE \"{owner.Name}\" LOGIN PASSWORD '{owner.Password}'",
                $"CREATE ROLE \"{runtime.Name}\" LOGIN PASSWORD '{runtime.Password}'",
                $"CREATE DATABASE \"{name}\" OWNER \"{owner.Name}\"",
                $"REVOKE ALL ON DATABASE \"{name}\" FROM PUBLIC",
            })
            {
                await using var command = new NpgsqlCommand(sql, connection);
                await command.ExecuteNonQueryAsync();
            }
        }

        string As((string Name, string Password) role) => new NpgsqlConnectionStringBuilder(ConnectionString(name))
        {
            Username = role.Name,
            Password = role.Password,
            Pooling = true,
        }.ConnectionString;

        return new ServiceDatabase(As(owner), As(runtime), ConnectionString(name));
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Directory.Delete(_root, recursive: true);
    }

    private string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = _server!.Port,
        Username = PostgresCluster.SuperUser,
        Password = _cluster!.SuperUserPassword(),
        Database = database,
        Pooling = false,
    }.ConnectionString;
}

/// <param name="Owner">The role that owns the database and migrates it.</param>
/// <param name="Runtime">The role the service runs as: only what the owner granted it.</param>
/// <param name="Superuser">A superuser on the same database: an attacker with full access, for tampering tests.</param>
public sealed record ServiceDatabase(string Owner, string Runtime, string Superuser);
