using HealthPlatform.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace HealthPlatform.ServiceDefaults.Health;

internal static class HealthEndpointExtensions
{
    public const string ReadinessPath = "/health";
    public const string LivenessPath = "/alive";

    public static IHostApplicationBuilder AddPlatformHealthChecks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [HealthTags.Live]);
        return builder;
    }

    /// <summary>
    /// Maps readiness (<c>/health</c>: every dependency, by name) and liveness (<c>/alive</c>)
    /// on the management listener only, in every environment: the AppHost and Kubernetes probes
    /// call them there, and they are never reachable on the public or internal listeners.
    /// </summary>
    public static IEndpointRouteBuilder MapPlatformHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var management = new ListenerMetadata(ResourceNames.Endpoints.Management);

        endpoints.MapHealthChecks(ReadinessPath, new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(HealthTags.Ready),
            ResponseWriter = HealthReportWriter.WriteAsync,
        }).WithMetadata(management).AllowAnonymous().DisableHttpMetrics();

        endpoints.MapHealthChecks(LivenessPath, new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(HealthTags.Live),
            ResponseWriter = HealthReportWriter.WriteAsync,
        }).WithMetadata(management).AllowAnonymous().DisableHttpMetrics();

        return endpoints;
    }
}
