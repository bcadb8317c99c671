using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace HealthPlatform.Audit.Detection;

/// <summary>Somewhere an alert is delivered to a person or a system that pages one.</summary>
public interface IAlertSink
{
    string Name { get; }

    Task DeliverAsync(Alert alert, CancellationToken cancellationToken);
}

/// <summary>Settings of alert delivery (section <c>AuditLog:Alerts</c>).</summary>
public sealed class AlertOptions
{
    public const string SectionName = "AuditLog:Alerts";

    /// <summary>Where alerts are POSTed as JSON: https, or http to a loopback address (a sidecar in the same pod). None: log and metric only.</summary>
    public Uri? WebhookUrl { get; set; }

    /// <summary>The HMAC-SHA256 key for the <c>X-HealthPlatform-Signature</c> header (at least 32 characters; a mounted secret).</summary>
    public string? WebhookSecret { get; set; }

    public bool IsValid() =>
        WebhookUrl is null
        || (WebhookUrl.IsAbsoluteUri
            && (WebhookUrl.Scheme == Uri.UriSchemeHttps || (WebhookUrl.Scheme == Uri.UriSchemeHttp && IPAddress.TryParse(WebhookUrl.Host, out var address) && IPAddress.IsLoopback(address)))
            && WebhookSecret is { Length: >= 32 });
}

/// <summary>Every alert as one structured log line (for whoever collects logs) and on the <c>audit.alerts.raised</c> counter.</summary>
public sealed partial class LogAlertSink(ILogger<LogAlertSink> logger, Ledger.AuditLogMetrics metrics) : IAlertSink
{
    public string Name => "log";

    public Task DeliverAsync(Alert alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        metrics.AlertRaised(alert.Rule.ToString(), alert.Severity.ToString());
        LogRaised(logger, alert.Rule, alert.Severity, alert.ActorUserId, alert.ActorClientId, alert.ActorNetworkAddress, alert.ObservedCount, alert.WindowStart, alert.WindowEnd, alert.Id);
        return Task.CompletedTask;
    }

    // Ids and counts only: an alert names who, never a patient.
    [LoggerMessage(Level = LogLevel.Warning, Message = "Security alert {Rule} ({Severity}): user {UserId}, client {ClientId}, address {NetworkAddress}; {ObservedCount} in {WindowStart:O}–{WindowEnd:O}; alert {AlertId}")]
    private static partial void LogRaised(
        ILogger logger, Contracts.Audit.AlertRule rule, Contracts.Audit.AlertSeverity severity, string? userId, string? clientId, string? networkAddress,
        int observedCount, DateTimeOffset windowStart, DateTimeOffset windowEnd, Guid alertId);
}

/// <summary>
/// POSTs each alert as JSON to the configured webhook, signed: <c>X-HealthPlatform-Signature:
/// sha256=&lt;hex HMAC-SHA256 of the body&gt;</c>, so the receiver can tell it came from here.
/// </summary>
public sealed class WebhookAlertSink(HttpClient http, IOptions<AlertOptions> options) : IAlertSink
{
    public const string SignatureHeader = "X-HealthPlatform-Signature";

    public string Name => "webhook";

    public async Task DeliverAsync(Alert alert, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.WebhookUrl is null)
        {
            return;
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(alert);
        using var request = new HttpRequestMessage(HttpMethod.Post, settings.WebhookUrl) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add(SignatureHeader, "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(settings.WebhookSecret!), body)));
        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
    }
}
