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
                .AddMeter(InstrumentationOptions.MeterName))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddAspNetCoreInstrumentation(aspnet => aspnet.Filter = IsNotProbe)
                .AddHttpClientInstrumentation()
                .AddNpgsql()
                .AddRedisInstrumentation()
                .AddSource(DiagnosticHeaders.DefaultListenerName));

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>Health probes arrive every few seconds; tracing them only hides real traffic.</summary>
    private static bool IsNotProbe(HttpContext context) =>
        !context.Request.Path.StartsWithSegments(HealthEndpointExtensions.ReadinessPath, StringComparison.OrdinalIgnoreCase)
        && !context.Request.Path.StartsWithSegments(HealthEndpointExtensions.LivenessPath, StringComparison.OrdinalIgnoreCase);
}
