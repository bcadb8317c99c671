using System.Globalization;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.Data;
using HealthPlatform.ServiceDefaults.Messaging;
using HealthPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace HealthPlatform.ServiceDefaults.Tests.Audit;

/// <summary>A service wired as the platform wires them, sending to the test broker; optionally with a database and its outbox.</summary>
public sealed class AuditedService : IAsyncDisposable
{
    /// <summary>Short bounds, so broker-down tests do not wait long.</summary>
    public static readonly TimeSpan ConfirmTimeout = TimeSpan.FromSeconds(2);

    private AuditedService(ServiceHost host, WebApplication app)
    {
        Host = host;
        App = app;
    }

    public ServiceHost Host { get; }

    public WebApplication App { get; }

    public IAuditTrail Trail => App.Services.GetRequiredService<IAuditTrail>();

    public static async Task<AuditedService> StartAsync(
        TestPki pki,
        RabbitMqServerFixture broker,
        string? databaseConnectionString = null,
        string environment = "Production",
        Action<WebApplicationBuilder>? configure = null,
        Action<WebApplication>? map = null,
        IDictionary<string, string?>? settings = null)
    {
        var host = new ServiceHost(pki, "records");
        var all = new Dictionary<string, string?>
        {
            ["ConnectionStrings:messaging"] = broker.ConnectionString,
            ["Audit:ConfirmTimeout"] = ConfirmTimeout.ToString("c", CultureInfo.InvariantCulture),
            ["Audit:OutboxPollInterval"] = "00:00:00.200",
            ["Audit:OutboxMaxBackoff"] = "00:00:01",
            ["Audit:OutboxAlertAge"] = "00:00:01",
        };
        if (databaseConnectionString is not null)
        {
            all["ConnectionStrings:prescriptions"] = databaseConnectionString;
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var builder = host.CreateBuilder(all, environment);
        if (databaseConnectionString is not null)
        {
            builder.AddPlatformDatabase<PrescriptionsDbContext>("prescriptions");
        }

        builder.AddPlatformMessaging();
        if (databaseConnectionString is not null)
        {
            builder.AddAuditOutbox<PrescriptionsDbContext>();
        }

        configure?.Invoke(builder);
        var app = builder.Build();
        app.MapDefaultEndpoints();
        map?.Invoke(app);
        await app.StartAsync();
        var service = new AuditedService(host, app);
        if (databaseConnectionString is not null)
        {
            // Migrations are applied in the background; the readiness check says when they are in.
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (await service.HealthOfAsync("prescriptions") != "Healthy")
            {
                await Task.Delay(100, deadline.Token);
            }
        }

        return service;
    }

    /// <summary>A well-formed access event of <paramref name="patientId"/>'s data.</summary>
    public PatientDataAccessed Access(string patientId) => new()
    {
        Header = Trail.NewHeader(),
        Actor = new AuditActor { UserId = "practitioner-7", Roles = ["physician"], ClientId = "ehr-app", NetworkAddress = "127.0.0.1" },
        Action = AuditAction.Read,
        ResourceType = "MedicationRequest",
        ResourceIds = ["rx-1"],
        PatientId = patientId,
        Outcome = AuditOutcome.Success,
        PurposeOfUse = PurposeOfUse.Treatment,
    };

    /// <summary>The status of one readiness check, as the management listener reports it.</summary>
    public Task<string> HealthOfAsync(string check) => Host.HealthOfAsync(check);

    public async ValueTask DisposeAsync() => await App.DisposeAsync();
}
