using System.Text;
using System.Text.Json;
using HealthPlatform.Audit.Infrastructure;
using HealthPlatform.Audit.Ingestion;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.KeyManagement.Tests;
using HealthPlatform.Testing;
using RabbitMQ.Client;

namespace HealthPlatform.Audit.Tests;

/// <summary>
/// Taking events off the queue: refused ones go to the error queue with their reason and show in
/// health; two running instances keep one chain; a broker stopped and started in the middle of a
/// burst loses nothing.
/// </summary>
[Collection(AuditInfrastructure.Name)]
public sealed class IngestionTests(PostgresServerFixture postgres, RedisServerFixture redis, RabbitMqServerFixture broker) : AuditServiceTest(postgres, redis, broker)
{
    protected override async Task<IDictionary<string, string?>?> BeforeStartAsync()
    {
        await PurgeAsync(ErrorQueueHealthCheck.ErrorQueue);
        await PurgeAsync(ErrorQueueHealthCheck.SkippedQueue);
        return null;
    }

    [Fact]
    public async Task OversizedMalformedAndUnknownVersionEvents_GoToTheErrorQueueWithTheirReason_AndNothingIsStored()
    {
        Assert.Equal("Healthy", await AuditService.HealthOfAsync(ErrorQueueHealthCheck.Name));
        var oversized = Guid.NewGuid();
        var badPatient = Guid.NewGuid();
        var unknownVersion = Guid.NewGuid();
        await SendRawAsync(Envelope(oversized, padding: new string('x', 20_000)));
        await SendRawAsync(Envelope(badPatient, patientId: "not an id; DROP TABLE"));
        await SendRawAsync(Envelope(unknownVersion, schemaVersion: 99));
        await SendRawAsync("{ this is not json");

        var refused = await TakeAsync(ErrorQueueHealthCheck.ErrorQueue, ErrorQueueHealthCheck.SkippedQueue, expected: 4);

        Assert.Equal(4, refused.Count);
        Assert.StartsWith("oversized:", refused.Single(message => message.Body.Contains(oversized.ToString(), StringComparison.Ordinal)).Reason, StringComparison.Ordinal);
        Assert.StartsWith("schema:", refused.Single(message => message.Body.Contains(badPatient.ToString(), StringComparison.Ordinal)).Reason, StringComparison.Ordinal);
        Assert.StartsWith("unsupported-version:", refused.Single(message => message.Body.Contains(unknownVersion.ToString(), StringComparison.Ordinal)).Reason, StringComparison.Ordinal);
        Assert.NotNull(refused.Single(message => message.Body.StartsWith("{ this", StringComparison.Ordinal)).Reason);
        Assert.Equal(0, await AuditService.QueryAsync<long>("SELECT count(*) FROM audit_entries WHERE event_id = ANY(@ids)", ("ids", new[] { oversized, badPatient, unknownVersion })));

        // The reason names the field, never the value that was refused.
        Assert.DoesNotContain(AuditService.Logs.Lines, line => line.Contains("DROP TABLE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RefusedEventsWaitingInTheErrorQueue_MakeTheServiceDegraded()
    {
        await SendRawAsync(Envelope(Guid.NewGuid(), schemaVersion: 99));

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await AuditService.HealthOfAsync(ErrorQueueHealthCheck.Name) != "Degraded")
        {
            await Task.Delay(200, deadline.Token);
        }

        await PurgeAsync(ErrorQueueHealthCheck.ErrorQueue);
        Assert.Equal("Healthy", await AuditService.HealthOfAsync(ErrorQueueHealthCheck.Name));
    }

    [Fact]
    public async Task TwoRunningInstances_AppendToOneChain_ThatVerifies()
    {
        await using var second = await AuditHost.StartAsync(Keys, AuditService.Database, Redis, Broker);
        var sends = new[] { AuditService, second }.Select(host => Task.Run(async () =>
        {
            var ids = new List<Guid>();
            for (var i = 0; i < 100; i++)
            {
                var access = host.Access($"patient-{i % 11}");
                await host.Trail.RecordAsync(access);
                ids.Add(access.Header.EventId);
            }

            return ids;
        }));
        var sent = (await Task.WhenAll(sends)).SelectMany(ids => ids).ToList();

        Assert.Equal(200, await AuditService.WaitForEventsAsync(sent));
        var verification = await VerifyAsync();
        Assert.True(verification.GetProperty("intact").GetBoolean(), verification.ToString());
        Assert.Equal(
            await AuditService.QueryAsync<long>("SELECT count(*) FROM audit_entries"),
            await AuditService.QueryAsync<long>("SELECT max(sequence) FROM audit_entries"));
    }

    [Fact]
    public async Task TheBrokerStoppedAndStartedDuringABurst_LosesNoEvent_AndStoresNoneTwice()
    {
        const int count = 300;
        var sent = new List<Guid>();
        using var halfway = new SemaphoreSlim(0);
        var burst = Task.Run(async () =>
        {
            for (var i = 0; i < count; i++)
            {
                // Through the transactional outbox, as a service writing data would: kept while the broker is away.
                await using var scope = AuditService.Services.CreateAsyncScope();
                var database = scope.ServiceProvider.GetRequiredService<AuditDbContext>();
                var access = AuditService.Access($"patient-{i % 13}");
                AuditService.Trail.Enqueue(database, access);
                await database.SaveChangesAsync();
                sent.Add(access.Header.EventId);
                if (i == count / 3)
                {
                    halfway.Release();
                }
            }
        });

        await halfway.WaitAsync(TimeSpan.FromSeconds(60));
        await Broker.StopAsync();
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
        finally
        {
            await Broker.StartAsync();
        }

        await burst;
        Assert.Equal(count, await AuditService.WaitForEventsAsync(sent, TimeSpan.FromSeconds(180)));
        await Task.Delay(1000);
        Assert.Equal(count, await AuditService.QueryAsync<long>("SELECT count(*) FROM audit_entries WHERE event_id = ANY(@ids)", ("ids", sent.ToArray())));
        Assert.True((await VerifyAsync()).GetProperty("intact").GetBoolean());
    }

    private async Task<JsonElement> VerifyAsync()
    {
        var response = await AuditService.SendAsync(HttpMethod.Post, "/audit/verify", AuditService.OfficerToken());
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static string Envelope(Guid eventId, string patientId = "patient-1", int schemaVersion = 1, string? padding = null) =>
        Encoding.UTF8.GetString(AuditHost.Envelope(eventId, patientId, schemaVersion: schemaVersion, padding: padding));

    private async Task SendRawAsync(string body)
    {
        await using var connection = await ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await AuditHost.PublishRawAsync(channel, Encoding.UTF8.GetBytes(body));
    }

    /// <summary>Takes messages from the queues until <paramref name="expected"/> arrived (bounded): body and MassTransit's fault reason.</summary>
    private async Task<List<(string Body, string? Reason)>> TakeAsync(string queue, string otherQueue, int expected)
    {
        var taken = new List<(string Body, string? Reason)>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var connection = await ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        while (taken.Count < expected)
        {
            foreach (var name in new[] { queue, otherQueue })
            {
                try
                {
                    while (await channel.BasicGetAsync(name, autoAck: true) is { } message)
                    {
                        var reason = message.BasicProperties.Headers?.TryGetValue("MT-Fault-Message", out var value) == true && value is byte[] bytes
                            ? Encoding.UTF8.GetString(bytes)
                            : message.BasicProperties.Headers?.TryGetValue("MT-Reason", out var why) == true && why is byte[] whyBytes ? Encoding.UTF8.GetString(whyBytes) : null;
                        taken.Add((Encoding.UTF8.GetString(message.Body.Span), reason));
                    }
                }
                catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
                {
                    // Not declared yet: reopen and wait.
                    return await TakeAfterAsync(taken, queue, otherQueue, expected, deadline.Token);
                }
            }

            if (taken.Count < expected)
            {
                await Task.Delay(200, deadline.Token);
            }
        }

        return taken;
    }

    private async Task<List<(string Body, string? Reason)>> TakeAfterAsync(List<(string Body, string? Reason)> taken, string queue, string otherQueue, int expected, CancellationToken cancellationToken)
    {
        await Task.Delay(200, cancellationToken);
        var more = await TakeAsync(queue, otherQueue, expected - taken.Count);
        return [.. taken, .. more];
    }

    private async Task PurgeAsync(string queue)
    {
        await using var connection = await ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            await channel.QueuePurgeAsync(queue);
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            // Not declared: nothing to purge.
        }
    }

    private Task<IConnection> ConnectAsync() => new ConnectionFactory { Uri = new Uri(Broker.ConnectionString) }.CreateConnectionAsync();
}
