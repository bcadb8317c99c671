using System.Net;
using System.Net.Http.Json;

namespace HealthPlatform.AppHost.Tests.Platform;

/// <summary>A service's <c>/health</c> answer: status code and each check's status by name.</summary>
public sealed record HealthReport(HttpStatusCode StatusCode, string Status, IReadOnlyDictionary<string, string> Checks)
{
    public static async Task<HealthReport> ReadAsync(HttpClient client, Uri managementEndpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var response = await client.GetAsync(new Uri(managementEndpoint, "/health"), cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<Body>(cancellationToken)
            ?? throw new InvalidOperationException("Empty health report.");
        return new HealthReport(response.StatusCode, body.Status, body.Checks.ToDictionary(c => c.Key, c => c.Value.Status));
    }

    public override string ToString() =>
        $"{(int)StatusCode} {Status} [{string.Join(", ", Checks.Select(c => $"{c.Key}={c.Value}"))}]";

    private sealed record Body(string Status, Dictionary<string, Check> Checks);

    private sealed record Check(string Status, string? Description);
}
