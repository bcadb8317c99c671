using System.Net;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using HealthPlatform.ServiceDefaults;
using RabbitMQ.Client;

namespace HealthPlatform.AppHost.Tests.Platform;

/// <summary>The running platform's audit producers: what each service refuses reaches the durable audit queue, marked with its source.</summary>
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
        var broker = new ConnectionFactory { Uri = new Uri((await fixture.Platform.App.GetConnectionStringAsync(ResourceNames.Messaging))!) };
        await using var connection = await broker.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync(AuditQueue, durable: true, exclusive: false, autoDelete: false);
        await channel.QueuePurgeAsync(AuditQueue);

        using var client = _clients.Create();
        foreach (var service in PublicServices)
        {
            var response = await client.GetAsync(new Uri(fixture.Platform.App.GetEndpoint(service, ResourceNames.Endpoints.Public), "/fhir/Patient/example?name=Doe"));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        var sources = new List<string>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (sources.Count < PublicServices.Length)
        {
            if (await channel.BasicGetAsync(AuditQueue, autoAck: true, deadline.Token) is not { } message)
            {
                await Task.Delay(100, deadline.Token);
                continue;
            }

            using var envelope = JsonDocument.Parse(message.Body);
            Assert.EndsWith(":SecurityEventRecorded", envelope.RootElement.GetProperty("messageType")[0].GetString(), StringComparison.Ordinal);
            var denial = envelope.RootElement.GetProperty("message");
            Assert.Equal(401, denial.GetProperty("request").GetProperty("statusCode").GetInt32());
            Assert.DoesNotContain("Doe", System.Text.Encoding.UTF8.GetString(message.Body.Span), StringComparison.Ordinal);
            sources.Add(denial.GetProperty("header").GetProperty("source").GetString()!);
        }

        Assert.Equal(PublicServices.Order(), sources.Order());
    }

    public void Dispose() => _clients.Dispose();
}
