using System.Globalization;
using HealthPlatform.LocalInfrastructure;
using StackExchange.Redis;

namespace HealthPlatform.Testing;

/// <summary>A real redis-server for these tests, started with the local-mode launcher; stoppable mid-test.</summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("hp-redis-").FullName;
    private readonly string _password = Secrets.NewPassword();
    private RunningServer? _server;
    private int _port;

    public string ConnectionString => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{_port},password={_password}");

    public async Task InitializeAsync()
    {
        _port = FreePort.Next();
        RedisServer.WriteConfig(_root, _password);
        await StartAsync();
    }

    /// <summary>Starts the server (again, after <see cref="StopAsync"/>) on the same port with the same password.</summary>
    public async Task StartAsync() =>
        _server ??= await RunningServer.StartAsync(
            RedisServer.Command(_root, _port.ToString(CultureInfo.InvariantCulture)), _port, TimeSpan.FromSeconds(30), CancellationToken.None);

    /// <summary>Empties Redis, so each test starts with untouched allowances.</summary>
    public async Task FlushAsync()
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync(ConnectionString + ",allowAdmin=true");
        await admin.GetServers()[0].FlushAllDatabasesAsync();
    }

    public async Task StopAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
            _server = null;
        }
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        Directory.Delete(_root, recursive: true);
    }
}
