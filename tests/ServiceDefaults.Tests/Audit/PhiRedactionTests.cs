using System.Diagnostics;
using System.Net;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.Security;
using HealthPlatform.ServiceDefaults.Telemetry;
using HealthPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Trace;

namespace HealthPlatform.ServiceDefaults.Tests.Audit;

/// <summary>
/// A marker patient id travels through request paths and queries, a classified log line, a span
/// tag, a database write and audited accesses. It must reach the audit trail and nowhere else: not
/// in any exported log (message, attributes, scopes), span (names, tags, events) or metric tag.
/// </summary>
[Collection(AuditInfrastructure.Name)]
public sealed partial class PhiRedactionTests(RabbitMqServerFixture broker, PostgresServerFixture postgres) : IAsyncLifetime, IDisposable
{
    private const string SummaryRoute = "/patients/{patientId}/summary";

    private static readonly string Marker = $"pt-{Guid.NewGuid():N}";

    private readonly TestPki _pki = new("records");
    private readonly AuditQueueProbe _queue = new(broker);
    private readonly TelemetryCapture _telemetry = new();
    private readonly CapturedLogs _logs = new();
    private AuditedService? _service;

    public async Task InitializeAsync()
    {
        await _queue.PurgeAsync();
        _service = await AuditedService.StartAsync(
            _pki,
            broker,
            await postgres.CreateDatabaseAsync(),
            configure: builder =>
            {
                builder.Logging.AddProvider(_logs);
                builder.Logging.SetMinimumLevel(LogLevel.Debug);
                builder.Services.ConfigureOpenTelemetryLoggerProvider(logs => logs.AddProcessor(new SimpleLogRecordExportProcessor(_telemetry.LogExporter)));
                builder.Services.ConfigureOpenTelemetryTracerProvider(traces => traces.AddProcessor(new SimpleActivityExportProcessor(_telemetry.SpanExporter)));
            },
            map: app =>
            {
                app.MapGet(SummaryRoute, ReadSummaryAsync).RequireService("records");
                app.MapPost("/patients/{patientId}/prescriptions", PrescribeAsync).RequireService("records");
                app.MapGet("/patients/{patientId}", (string patientId) => TypedResults.Ok(patientId));
            },
            settings: new Dictionary<string, string?>
            {
                // Configuration asking for the chattiest framework logs must not bring paths back.
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Debug",
                ["Logging:OpenTelemetry:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Debug",
            });
    }

    public async Task DisposeAsync()
    {
        if (_service is not null)
        {
            await _service.DisposeAsync();
        }
    }

    public void Dispose()
    {
        _telemetry.Dispose();
        _pki.Dispose();
    }

    [Fact]
    public async Task AMarkerPatientId_ReachesTheAuditTrail_AndNoLogSpanOrMetricTag()
    {
        using var certificate = _pki.Certificate("records");
        using var service = _pki.CreateClient(certificate);
        using var anonymous = _pki.CreateClient();
        var query = $"?patient={Marker}&name={Marker}";

        Assert.Equal(HttpStatusCode.OK, (await service.GetAsync(new Uri(_service!.Host.Internal, $"/patients/{Marker}/summary{query}"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await service.PostAsync(new Uri(_service.Host.Internal, $"/patients/{Marker}/prescriptions{query}"), null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(new Uri(_service.Host.Public, $"/patients/{Marker}{query}"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await service.GetAsync(new Uri(_service.Host.Internal, $"/patients/{Marker}/summary?page={Marker}"))).StatusCode);

        // The audit trail is where the patient id belongs: the read, the write (via the outbox), and the denial (without it).
        var audited = await _queue.DrainWhenAsync(3);
        Assert.Equal(2, audited.Count(message => message.Event is PatientDataAccessed access && access.PatientId == Marker));
        Assert.Contains(audited, message => message.Event is SecurityEventRecorded { Request.RouteTemplate: "/patients/{patientId}" });

        // Positive controls: the classified values were exported, redacted; the server span kept its route template.
        await WaitForAsync(() => _telemetry.Spans.Any(span => span.Contains("patient.id=[PHI]", StringComparison.Ordinal)));
        Assert.Contains(_telemetry.Logs, log => log.Contains("Summary of [PHI] requested", StringComparison.Ordinal));
        Assert.Contains(_telemetry.Spans, span => span.Contains($"url.path={SummaryRoute}", StringComparison.Ordinal));
        Assert.Contains(_telemetry.MetricTags, tags => tags.Contains($"http.route={SummaryRoute}", StringComparison.Ordinal));

        Assert.DoesNotContain(_telemetry.Logs, log => log.Contains(Marker, StringComparison.Ordinal));
        Assert.DoesNotContain(_telemetry.Spans, span => span.Contains(Marker, StringComparison.Ordinal));
        Assert.DoesNotContain(_telemetry.MetricTags, tags => tags.Contains(Marker, StringComparison.Ordinal));
        Assert.DoesNotContain(_logs.Lines, line => line.Contains(Marker, StringComparison.Ordinal));
    }

    private static async Task<IResult> ReadSummaryAsync(string patientId, int? page, HttpContext context, IAuditTrail trail, PhiTelemetry phi, ILogger<PhiRedactionTests> logger)
    {
        LogSummaryRequested(logger, patientId);
        phi.SetPhiTag(Activity.Current, "patient.id", patientId);
        await trail.RecordAsync(Access(trail, context, patientId, AuditAction.Read), context.RequestAborted);
        return TypedResults.Ok("summary");
    }

    private static async Task<IResult> PrescribeAsync(string patientId, HttpContext context, IAuditTrail trail, PrescriptionsDbContext database)
    {
        database.Prescriptions.Add(new Prescription { Id = Guid.NewGuid(), PatientId = patientId });
        trail.Enqueue(database, Access(trail, context, patientId, AuditAction.Create));
        await database.SaveChangesAsync(context.RequestAborted);
        return TypedResults.Ok();
    }

    private static PatientDataAccessed Access(IAuditTrail trail, HttpContext context, string patientId, AuditAction action) => new()
    {
        Header = trail.NewHeader(),
        Actor = AuditActors.FromRequest(context),
        Action = action,
        ResourceType = "MedicationRequest",
        PatientId = patientId,
        Outcome = AuditOutcome.Success,
        PurposeOfUse = PurposeOfUse.Treatment,
    };

    private static async Task WaitForAsync(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(50, deadline.Token);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Summary of {PatientId} requested")]
    private static partial void LogSummaryRequested(ILogger logger, [Phi] string patientId);
}
