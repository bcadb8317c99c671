using System.Globalization;
using HealthPlatform.LocalInfrastructure;
using Npgsql;

namespace HealthPlatform.Bench.Audit;

/// <summary>A real Postgres (durable: fsync on, as in production) and a RabbitMQ node with its own epmd, in a temporary folder.</summary>
internal sealed class Servers : IAsyncDisposable
{
    private readonly List<RunningServer> _running = [];

    private Servers(string root) => Root = root;

    public string Root { get; }

    public string Database { get; private set; } = "";

    public string Messaging { get; private set; } = "";

    public static async Task<Servers> StartAsync()
    {
        var root = Directory.CreateTempSubdirectory("hp-bench-audit-").FullName;
        File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        var servers = new Servers(root);
        var timeout = TimeSpan.FromSeconds(90);

        var cluster = new PostgresCluster(PostgresInstallation.Find(), Path.Combine(root, "postgres"));
        Directory.CreateDirectory(cluster.RootDirectory);
        File.SetUnixFileMode(cluster.RootDirectory, File.GetUnixFileMode(root));
        await cluster.EnsureInitializedAsync(CancellationToken.None);
        var postgresPort = FreePort.Next();
        servers._running.Add(await RunningServer.StartAsync(cluster.ServerCommand(Text(postgresPort), durable: true), postgresPort, timeout, CancellationToken.None));
        servers.Database = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = postgresPort,
            Username = PostgresCluster.SuperUser,
            Password = cluster.SuperUserPassword(),
            Database = "bench",
        }.ConnectionString;
        await CreateDatabaseAsync(servers.Database);

        var rabbit = Path.Combine(root, "rabbitmq");
        var password = Secrets.NewPassword();
        int amqp = FreePort.Next(), distribution = FreePort.Next(), epmd = FreePort.Next();
        servers._running.Add(await RunningServer.StartAsync(RabbitMqNode.EpmdCommand(Text(epmd)), epmd, timeout, CancellationToken.None));
        RabbitMqNode.Prepare(rabbit, "bench", password);
        servers._running.Add(await RunningServer.StartAsync(
            RabbitMqNode.ServerCommand(rabbit, $"hp-bench-{Environment.ProcessId}", Text(amqp), Text(distribution), Text(epmd)), amqp, timeout, CancellationToken.None));
        servers.Messaging = $"amqp://bench:{password}@127.0.0.1:{amqp}/";
        return servers;
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _running.Count - 1; i >= 0; i--)
        {
            await _running[i].DisposeAsync();
        }

        Directory.Delete(Root, recursive: true);
    }

    private static async Task CreateDatabaseAsync(string connectionString)
    {
        var admin = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres" }.ConnectionString;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(admin);
                await connection.OpenAsync(deadline.Token);
                await using var create = new NpgsqlCommand("CREATE DATABASE bench", connection);
                await create.ExecuteNonQueryAsync(deadline.Token);
                return;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.CannotConnectNow)
            {
                await Task.Delay(100, deadline.Token);
            }
        }
    }

    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);
}
