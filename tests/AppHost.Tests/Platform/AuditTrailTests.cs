using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using HealthPlatform.ServiceDefaults;
using Npgsql;

namespace HealthPlatform.AppHost.Tests.Platform;

/// <summary>
/// The running platform's audit trail end to end: what each service refuses travels the broker to
/// the audit service and is stored in its hash-chained log, marked with its source and trace.
/// </summary>
[Collection(PlatformGroup.Name)]
public sealed class AuditTrailTests(PlatformFixture fixture) : IDisposable
{
    private static readonly string[] PublicServices = [ResourceNames.Identity, ResourceNames.Records, ResourceNames.Consent, ResourceNames.Audit];

    private readonly PlatformClient _clients = new(fixture.Platform);

    [Fact]
    public async Task AnUnauthenticatedRequest_ToEveryPublicEndpoint_IsStoredInTheAuditLog()
    {
        // Each request starts its own trace, so its event can be told from everything else in the log.
        var traces = new Dictionary<string, string>();
        using var client = _clients.Create();
        foreach (var service in PublicServices)
        {
            var traceId = ActivityTraceId.CreateRandom().ToHexString();
            traces[traceId] = service;
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(fixture.Platform.App.GetEndpoint(service, ResourceNames.Endpoints.Public), "/fhir/Patient/example?name=Doe"));
            request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        // Read as the audit service itself reads: its own (read-and-append) role.
        await using var connection = new NpgsqlConnection(await fixture.Platform.App.GetConnectionStringAsync(ResourceNames.AuditDatabase));
        await connection.OpenAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var found = new Dictionary<string, (string EventType, string Source, JsonElement Event)>();
        while (found.Count < traces.Count)
        {
            await using var query = new NpgsqlCommand(
                "SELECT event_type, source, payload FROM audit_entries WHERE payload::jsonb->'header'->>'traceId' = ANY(@traces)", connection);
            query.Parameters.AddWithValue("traces", traces.Keys.ToArray());
            await using var reader = await query.ExecuteReaderAsync(deadline.Token);
            while (await reader.ReadAsync(deadline.Token))
            {
                var payload = reader.GetString(2);
                Assert.DoesNotContain("Doe", payload, StringComparison.Ordinal);
                var auditEvent = JsonDocument.Parse(payload).RootElement.Clone();
                found[auditEvent.GetProperty("header").GetProperty("traceId").GetString()!] = (reader.GetString(0), reader.GetString(1), auditEvent);
            }

            if (found.Count < traces.Count)
            {
                await Task.Delay(200, deadline.Token);
            }
        }

        foreach (var (traceId, service) in traces)
        {
            Assert.Equal("SecurityEventRecorded", found[traceId].EventType);
            Assert.Equal(service, found[traceId].Source);
            Assert.Equal(401, found[traceId].Event.GetProperty("request").GetProperty("statusCode").GetInt32());
        }
    }

    public void Dispose() => _clients.Dispose();
}
