using System.Text.Json;
using System.Text.Json.Serialization;
using HealthPlatform.Contracts.Audit;
using RabbitMQ.Client;

namespace HealthPlatform.Testing;

/// <summary>Looks into the durable audit queue with a plain AMQP client, independent of MassTransit.</summary>
public sealed class AuditQueueProbe(RabbitMqServerFixture broker)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private readonly List<AuditEvent> _taken = [];

    /// <summary>Messages in the queue, or null when the queue does not exist.</summary>
    public async Task<uint?> CountAsync()
    {
        await using var connection = await ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            return (await channel.QueueDeclarePassiveAsync(AuditEventTypes.QueueName)).MessageCount;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            return null;
        }
    }

    public async Task PurgeAsync()
    {
        _taken.Clear();
        if (await CountAsync() is not null)
        {
            await using var connection = await ConnectAsync();
            await using var channel = await connection.CreateChannelAsync();
            await channel.QueuePurgeAsync(AuditEventTypes.QueueName);
        }
    }

    /// <summary>Takes every message now in the queue: the raw body and the event it carries.</summary>
    public async Task<IReadOnlyList<ReceivedAuditEvent>> DrainAsync()
    {
        await using var connection = await ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var received = new List<ReceivedAuditEvent>();
        while (await channel.BasicGetAsync(AuditEventTypes.QueueName, autoAck: true) is { } message)
        {
            var body = System.Text.Encoding.UTF8.GetString(message.Body.Span);
            using var envelope = JsonDocument.Parse(body);
            var typeName = envelope.RootElement.GetProperty("messageType")[0].GetString()!.Split(':')[^1];
            Assert.True(AuditEventTypes.TryResolve(typeName, out var type), $"Unknown message type {typeName}.");
            var auditEvent = (AuditEvent)envelope.RootElement.GetProperty("message").Deserialize(type, Json)!;
            received.Add(new ReceivedAuditEvent(body, auditEvent, envelope.RootElement.GetProperty("messageId").GetGuid()));
        }

        return received;
    }

    /// <summary>Waits (bounded) until the queue holds at least <paramref name="count"/> messages, then drains it.</summary>
    public async Task<IReadOnlyList<ReceivedAuditEvent>> DrainWhenAsync(int count)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await CountAsync() is not { } present || present < count)
        {
            await Task.Delay(100, deadline.Token);
        }

        return await DrainAsync();
    }

    /// <summary>
    /// Drains the queue until an event of type <typeparamref name="TEvent"/> matching
    /// <paramref name="match"/> has arrived (bounded wait), and returns it. Other events taken on the
    /// way are kept for later calls, so the order of waits need not follow the order of arrival.
    /// </summary>
    public async Task<TEvent> WaitForAsync<TEvent>(Func<TEvent, bool> match)
        where TEvent : AuditEvent
    {
        ArgumentNullException.ThrowIfNull(match);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            if (await CountAsync() is not null)
            {
                // (Not declared until the first event is sent.)
                _taken.AddRange((await DrainAsync()).Select(received => received.Event));
            }

            if (_taken.OfType<TEvent>().FirstOrDefault(match) is { } found)
            {
                _taken.Remove(found);
                return found;
            }

            await Task.Delay(100, deadline.Token);
        }
    }

    private Task<IConnection> ConnectAsync() => new ConnectionFactory { Uri = new Uri(broker.ConnectionString) }.CreateConnectionAsync();
}

/// <summary>One message from the audit queue: its body as sent, the event, and the transport message id.</summary>
public sealed record ReceivedAuditEvent(string Body, AuditEvent Event, Guid MessageId);
