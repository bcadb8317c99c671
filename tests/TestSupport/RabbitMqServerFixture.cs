using System.Globalization;
using HealthPlatform.LocalInfrastructure;
using MassTransit;

namespace HealthPlatform.Testing;

/// <summary>
/// A real RabbitMQ node (with its own epmd) for these tests, started with the local-mode launcher.
/// It can be stopped and started again mid-test on the same port, keeping its durable queues.
/// </summary>
public sealed class RabbitMqServerFixture : IAsyncLifetime
{
    private const string UserName = "healthplatform";

    private readonly string _root = Directory.CreateTempSubdirectory("hp-rabbit-").FullName;
    private readonly string _password = Secrets.NewPassword();
    private readonly string _nodeName = $"hp-test-{Guid.NewGuid():N}"[..20];
    private readonly int _port = FreePort.Next();
    private readonly int _distributionPort = FreePort.Next();
    private readonly int _epmdPort = FreePort.Next();
    private RunningServer? _epmd;
    private RunningServer? _node;

    public string ConnectionString => string.Create(CultureInfo.InvariantCulture, $"amqp://{UserName}:{_password}@127.0.0.1:{_port}/");

    public async Task InitializeAsync()
    {
        _epmd = await RunningServer.StartAsync(RabbitMqNode.EpmdCommand(Text(_epmdPort)), _epmdPort, TimeSpan.FromSeconds(30), CancellationToken.None);
        RabbitMqNode.Prepare(_root, UserName, _password);
        await StartAsync();
    }

    /// <summary>Starts the node again after <see cref="StopAsync"/>, with the queues it had.</summary>
    public async Task StartAsync() =>
        _node = await RunningServer.StartAsync(
            RabbitMqNode.ServerCommand(_root, _nodeName, Text(_port), Text(_distributionPort), Text(_epmdPort)),
            _port,
            TimeSpan.FromSeconds(90),
            CancellationToken.None);

    public async Task StopAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
            _node = null;
        }
    }

    /// <summary>Points a MassTransit bus of a test (or benchmark) at this broker.</summary>
    public void ConfigureHost(IRabbitMqBusFactoryConfigurator rabbit)
    {
        ArgumentNullException.ThrowIfNull(rabbit);
        var address = HealthPlatform.ServiceDefaults.Messaging.RabbitMqAddress.Parse(ConnectionString);
        rabbit.Host(address.Host, address.Port, address.VirtualHost, host =>
        {
            host.Username(address.UserName);
            host.Password(address.Password);
        });
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        if (_epmd is not null)
        {
            await _epmd.DisposeAsync();
        }

        Directory.Delete(_root, recursive: true);
    }

    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);
}
