using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using HealthPlatform.ServiceDefaults;
using RabbitMQ.Client;

namespace HealthPlatform.AppHost.Tests.Platform;

/// <summary>
/// The running platform's audit producers: what each service refuses reaches the durable audit
/// queue — which no test declares: the producers do — marked with its source and trace.
/// </summary>
[Collection(PlatformGroup.Name)]
public sealed class AuditTrailTests(PlatformFixture fixture) : IDisposable
{
    /// <summary>The queue producers declare (HealthPlatform.Contracts.Audit.AuditEventTypes.QueueName).</summary>
    private const string AuditQueue = "audit-events";

    private static readonly string[] PublicServices = [ResourceNames.Identity, ResourceNames.Records, ResourceNames.Consent, ResourceNames.Audit];

    private readonly PlatformClient _clients = new(fixture.Platform);

    [Fact]
    public async Task AnUnauthenticatedRequest_ToEveryPublicEndpoint_IsASecurityEventInTheAuditQueue()
    {
        // Each request starts its own trace, so its event can be told from everything else in the queue.
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

        var broker = new ConnectionFactory { Uri = new Uri((await fixture.Platform.App.GetConnectionStringAsync(ResourceNames.Messaging))!) };
        await using var connection = await broker.CreateConnectionAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await WaitForQueueAsync(connection, deadline.Token);

        // Other events stay unacknowledged on this channel (so the next get moves past them) and
        // go back to the queue when it closes.
        await using var channel = await connection.CreateChannelAsync(cancellationToken: deadline.Token);
        var found = new Dictionary<string, JsonElement>();
        while (found.Count < traces.Count)
        {
            if (await channel.BasicGetAsync(AuditQueue, autoAck: false, deadline.Token) is not { } message)
            {
                await Task.Delay(100, deadline.Token);
                continue;
            }

            using var envelope = JsonDocument.Parse(message.Body);
            var auditEvent = envelope.RootElement.GetProperty("message").Clone();
            if (auditEvent.GetProperty("header").TryGetProperty("traceId", out var traceId) && traceId.GetString() is { } id && traces.ContainsKey(id))
            {
                Assert.EndsWith(":SecurityEventRecorded", envelope.RootElement.GetProperty("messageType")[0].GetString(), StringComparison.Ordinal);
                Assert.DoesNotContain("Doe", System.Text.Encoding.UTF8.GetString(message.Body.Span), StringComparison.Ordinal);
                found[id] = auditEvent;
                await channel.BasicAckAsync(message.DeliveryTag, multiple: false, deadline.Token);
            }
        }

        foreach (var (traceId, service) in traces)
        {
            Assert.Equal(service, found[traceId].GetProperty("header").GetProperty("source").GetString());
            Assert.Equal(401, found[traceId].GetProperty("request").GetProperty("statusCode").GetInt32());
        }
    }

    public void Dispose() => _clients.Dispose();

    private static async Task WaitForQueueAsync(IConnection connection, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Asking for a queue that is not there closes the channel: a fresh one each time.
            await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
            try
            {
                await channel.QueueDeclarePassiveAsync(AuditQueue, cancellationToken);
                return;
            }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }
}
