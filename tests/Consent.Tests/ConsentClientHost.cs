using HealthPlatform.Consent.Client;
using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Messaging;
using HealthPlatform.Testing;
using Microsoft.AspNetCore.Builder;

namespace HealthPlatform.Consent.Tests;

/// <summary>
/// An instance of a service that asks for consent decisions as records does: the records
/// platform certificate, the broker (for <c>ConsentChanged</c>), and the consent service's
/// internal endpoint found through service discovery.
/// </summary>
public sealed class ConsentClientHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ConsentClientHost(WebApplication app, ServiceHost service)
    {
        _app = app;
        Service = service;
    }

    public ServiceHost Service { get; }

    public ConsentDecisions Decisions => _app.Services.GetRequiredService<ConsentDecisions>();

    /// <summary>Starts an instance calling <paramref name="consent"/>; ready (listening for consent changes) when this returns.</summary>
    public static async Task<ConsentClientHost> StartAsync(ConsentHost consent, RabbitMqServerFixture broker, string identity = ResourceNames.Records, IDictionary<string, string?>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(consent);
        ArgumentNullException.ThrowIfNull(broker);
        var service = new ServiceHost(consent.Keys.Pki, identity);
        var configuration = new Dictionary<string, string?>
        {
            ["ConnectionStrings:messaging"] = broker.ConnectionString,
            [$"services:{ResourceNames.Consent}:internal:0"] = consent.Service.Internal.AbsoluteUri,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var builder = service.CreateBuilder(configuration);
        builder.AddPlatformMessaging();
        builder.AddConsentClient();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync();
        await service.WaitUntilReadyAsync();

        return new ConsentClientHost(app, service);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
