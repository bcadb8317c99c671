using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.Health;
using MassTransit.Logging;
using MassTransit.Monitoring;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace HealthPlatform.ServiceDefaults.Telemetry;

internal static class TelemetryExtensions
{
    /// <summary>
    /// Traces, metrics and logs from ASP.NET Core, HttpClient, Npgsql, Redis and MassTransit,
    /// exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the AppHost sets it to
    /// the dashboard). MassTransit carries the trace context in message headers, so one trace
    /// follows a request through RabbitMQ into the consuming service.
    /// </summary>
    public static IHostApplicationBuilder AddPlatformTelemetry(this IHostApplicationBuilder builder)
    {
        builder.AddPhiRedaction();
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddMeter(InstrumentationOptions.MeterName)
                .AddMeter(AuditMetrics.MeterName))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddAspNetCoreInstrumentation(aspnet => aspnet.Filter = IsNotProbe)
                .AddHttpClientInstrumentation()
                .AddNpgsql()
                .AddRedisInstrumentation()
                .AddSource(DiagnosticHeaders.DefaultListenerName)
                // Before any exporter: spans leave the process without raw URLs.
                .AddProcessor<PhiSafeSpanProcessor>());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>
    /// PHI stays out of logs: parameters classified <see cref="PhiAttribute"/> are redacted, and the
    /// framework categories that write raw request paths (which carry patient ids) are held below
    /// the levels at which they do, whatever configuration says. Outgoing HTTP calls are not logged
    /// by HttpClientFactory (its log scope holds the full URL); their spans are, without the URL.
    /// </summary>
    private static IHostApplicationBuilder AddPhiRedaction(this IHostApplicationBuilder builder)
    {
        builder.Services.AddRedaction(redaction =>
        {
            redaction.SetRedactor<PhiRedactor>(HealthDataClassification.Phi);
            redaction.SetFallbackRedactor<PhiRedactor>();
        });
        builder.Services.AddSingleton<PhiTelemetry>();
        builder.Logging.EnableRedaction();

        // "Request starting GET /fhir/Patient/123?..." and the RequestPath scope on every log line.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        // Debug lines that quote the path (route matching) or the request line (bad requests).
        builder.Logging.AddFilter("Microsoft.AspNetCore.Routing", LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel.BadRequests", LogLevel.Information);
        builder.Services.ConfigureHttpClientDefaults(http => http.RemoveAllLoggers());
        return builder;
    }

    /// <summary>Health probes arrive every few seconds; tracing them only hides real traffic.</summary>
    private static bool IsNotProbe(HttpContext context) =>
        !context.Request.Path.StartsWithSegments(HealthEndpointExtensions.ReadinessPath, StringComparison.OrdinalIgnoreCase)
        && !context.Request.Path.StartsWithSegments(HealthEndpointExtensions.LivenessPath, StringComparison.OrdinalIgnoreCase);
}
