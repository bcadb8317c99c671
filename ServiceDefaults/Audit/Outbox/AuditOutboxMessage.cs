using System.Text.Json;
using System.Text.Json.Serialization;
using HealthPlatform.Contracts.Audit;
using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.ServiceDefaults.Audit.Outbox;

/// <summary>
/// An audit event waiting in the producer's own database for the relay to send it. Rows live only
/// until the broker confirms them; the table is in the same database as the change the event
/// describes, so both commit or neither does.
/// </summary>
public sealed class AuditOutboxMessage
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Insertion order; the relay sends in this order.</summary>
    public long Sequence { get; private set; }

    public Guid EventId { get; private init; }

    /// <summary>The contract's name (<see cref="AuditEventTypes"/>).</summary>
    public string EventType { get; private init; } = null!;

    /// <summary>The event as JSON.</summary>
    public string Payload { get; private init; } = null!;

    public DateTimeOffset CreatedAt { get; private init; }

    internal static AuditOutboxMessage From(AuditEvent auditEvent, string eventType, DateTimeOffset now) => new()
    {
        EventId = auditEvent.Header.EventId,
        EventType = eventType,
        Payload = JsonSerializer.Serialize(auditEvent, auditEvent.GetType(), Json),
        CreatedAt = now,
    };

    /// <summary>The stored event, or null when the row names no known type or holds no such event.</summary>
    internal AuditEvent? ToEvent()
    {
        if (!AuditEventTypes.TryResolve(EventType, out var type))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(Payload, type, Json) as AuditEvent;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    internal static void Configure(ModelBuilder modelBuilder) => modelBuilder.Entity<AuditOutboxMessage>(outbox =>
    {
        outbox.ToTable(AuditOutboxModel.TableName);
        outbox.HasKey(message => message.Sequence);
        outbox.Property(message => message.Sequence).HasColumnName("sequence").UseIdentityAlwaysColumn();
        outbox.Property(message => message.EventId).HasColumnName("event_id");
        outbox.HasIndex(message => message.EventId).IsUnique();
        outbox.Property(message => message.EventType).HasColumnName("event_type").HasMaxLength(64);
        outbox.Property(message => message.Payload).HasColumnName("payload").HasColumnType("jsonb");
        outbox.Property(message => message.CreatedAt).HasColumnName("created_at");
    });
}
