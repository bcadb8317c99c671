using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthPlatform.ServiceDefaults.Health;

/// <summary>
/// Writes a health report as JSON: overall status and each check's status by name. Nothing
/// else: descriptions, exception texts and check data can carry host names, user names or
/// connection details (a broker's "unreachable" text does), and health is served without
/// authentication. Details go to the service's logs.
/// </summary>
internal static class HealthReportWriter
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(
                entry => entry.Key,
                entry => new { status = entry.Value.Status.ToString() }),
        };
        context.Response.ContentType = "application/json; charset=utf-8";
        return JsonSerializer.SerializeAsync(context.Response.Body, body, cancellationToken: context.RequestAborted);
    }
}
