using System.Diagnostics.Metrics;
using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.Testing;

namespace HealthPlatform.ServiceDefaults.Tests.Audit;

/// <summary>An event that fails its own schema is never sent: a loud exception in Development, an error log and a metric in production.</summary>
[Collection(AuditInfrastructure.Name)]
public sealed class MalformedEventTests(RabbitMqServerFixture broker) : IAsyncLifetime, IDisposable
{
    private readonly TestPki _pki = new("records");
    private readonly AuditQueueProbe _queue = new(broker);

    public async Task InitializeAsync() => await _queue.PurgeAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _pki.Dispose();

    [Fact]
    public async Task InDevelopment_AMalformedEvent_ThrowsNamingTheProblem()
    {
        await using var service = await AuditedService.StartAsync(_pki, broker, environment: "Development");
        var malformed = service.Access("patient-1") with { Header = service.Trail.NewHeader() with { EventId = Guid.Empty } };

        var failure = await Assert.ThrowsAsync<InvalidAuditEventException>(() => service.Trail.RecordAsync(malformed));

        Assert.Contains("Header.EventId is missing.", failure.Message, StringComparison.Ordinal);
        Assert.Equal(0u, await _queue.CountAsync() ?? 0);
    }

    [Fact]
    public async Task InProduction_AMalformedEvent_IsLoggedCountedAndRefused_AndNothingIsSent()
    {
        var logs = new CapturedLogs();
        using var rejected = new RejectedCounter();
        await using var service = await AuditedService.StartAsync(_pki, broker, configure: builder => builder.Logging.AddProvider(logs));
        var malformed = service.Access("patient-1") with { SchemaVersion = 7 };

        await Assert.ThrowsAsync<AuditUnavailableException>(() => service.Trail.RecordAsync(malformed));

        Assert.Contains(logs.Lines, line => line.StartsWith("Error: Audit event PatientDataAccessed refused", StringComparison.Ordinal)
            && line.Contains("SchemaVersion 7 is not a known version", StringComparison.Ordinal));
        Assert.Equal(1, rejected.Count);
        await service.Trail.RecordAsync(service.Access("patient-2"));
        var sent = await _queue.DrainAsync();
        Assert.Equal("patient-2", Assert.IsType<Contracts.Audit.PatientDataAccessed>(Assert.Single(sent).Event).PatientId);
    }

    /// <summary>Counts <c>healthplatform.audit.rejected</c> measurements.</summary>
    private sealed class RejectedCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private int _count;

        public RejectedCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == AuditMetrics.MeterName && instrument.Name == "healthplatform.audit.rejected")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, (int)value));
            _listener.Start();
        }

        public int Count => Volatile.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }
}
