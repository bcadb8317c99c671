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
