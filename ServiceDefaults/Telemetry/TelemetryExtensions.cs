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
    /// <summary>Framework log categories that write raw request paths or values, and the level they are held to.</summary>
    private static readonly (string Category, LogLevel Level)[] PathLoggingCategories =
    [
        // "Request starting GET /fhir/Patient/123?..." and the RequestPath scope on every log line.
        ("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None),
        // Debug lines quoting the path (route matching), the request line (bad requests), or a value that failed to bind.
        ("Microsoft.AspNetCore.Routing", LogLevel.Warning),
        ("Microsoft.AspNetCore.Server.Kestrel.BadRequests", LogLevel.Warning),
        ("Microsoft.AspNetCore.Http.RequestDelegateFactory", LogLevel.Warning),
    ];

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

        // Added after configuration is read, for every provider configuration names, so that no
        // Logging:{Provider}:LogLevel setting can turn these categories back on.
        builder.Services.PostConfigure<LoggerFilterOptions>(filters =>
        {
            var providers = filters.Rules.Select(rule => rule.ProviderName).Append(null).Distinct().ToList();
            foreach (var (category, level) in PathLoggingCategories)
            {
                foreach (var provider in providers)
                {
                    filters.Rules.Add(new LoggerFilterRule(provider, category, level, filter: null));
                }
            }
        });
        builder.Services.ConfigureHttpClientDefaults(http => http.RemoveAllLoggers());
        return builder;
    }

    /// <summary>Health probes arrive every few seconds; tracing them only hides real traffic.</summary>
    private static bool IsNotProbe(HttpContext context) =>
        !context.Request.Path.StartsWithSegments(HealthEndpointExtensions.ReadinessPath, StringComparison.OrdinalIgnoreCase)
        && !context.Request.Path.StartsWithSegments(HealthEndpointExtensions.LivenessPath, StringComparison.OrdinalIgnoreCase);
}
