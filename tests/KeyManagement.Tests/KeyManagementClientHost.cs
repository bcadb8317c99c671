using HealthPlatform.KeyManagement.Client;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Messaging;
using HealthPlatform.Testing;
using Microsoft.AspNetCore.Builder;

namespace HealthPlatform.KeyManagement.Tests;

/// <summary>
/// A service that uses the key-management client as records, consent or audit do: its own platform
/// certificate, the broker (for <c>SubjectKeyDestroyed</c>), and the key-management service's
/// internal endpoint found through service discovery.
/// </summary>
public sealed class KeyManagementClientHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private KeyManagementClientHost(WebApplication app, CapturedLogs logs)
    {
        _app = app;
        Logs = logs;
    }

    /// <summary>Every line the calling service logged.</summary>
    public CapturedLogs Logs { get; }

    public DataCipher Cipher => _app.Services.GetRequiredService<DataCipher>();

    public DataKeyCache Cache => _app.Services.GetRequiredService<DataKeyCache>();

    public KeyManagementApi Api => _app.Services.GetRequiredService<KeyManagementApi>();

    /// <summary>Starts a <paramref name="identity"/> instance calling <paramref name="keyManagement"/>; ready (listening for destroyed keys) when this returns.</summary>
    public static async Task<KeyManagementClientHost> StartAsync(
        KeyManagementHost keyManagement, RabbitMqServerFixture broker, string identity, IDictionary<string, string?>? settings = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(keyManagement);
        ArgumentNullException.ThrowIfNull(broker);
        var host = new ServiceHost(keyManagement.Pki, identity);
        var configuration = new Dictionary<string, string?>
        {
            ["ConnectionStrings:messaging"] = broker.ConnectionString,
            [$"services:{ResourceNames.KeyManagement}:internal:0"] = keyManagement.Service.Internal.AbsoluteUri,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var builder = host.CreateBuilder(configuration);
        var logs = new CapturedLogs();
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Logging.AddProvider(logs);
        builder.AddPlatformMessaging();
        builder.AddKeyManagementClient();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync();
        await host.WaitUntilReadyAsync();

        return new KeyManagementClientHost(app, logs);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
