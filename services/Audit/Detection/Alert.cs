using System.Text.Json.Serialization;
using HealthPlatform.Contracts.Audit;
using Microsoft.EntityFrameworkCore;

namespace HealthPlatform.Audit.Detection;

/// <summary>
/// A rule that fired: who, which rule, how much in which window, the first events behind it, and
/// whether a security officer has acknowledged it. Stored once (its id is the id of the
/// <c>SecurityAlertRaised</c> event); only the acknowledgement columns can ever be updated.
/// </summary>
public sealed record Alert
{
    [JsonPropertyName("id")]
    public required Guid Id { get; init; }

    [JsonPropertyName("rule")]
    [JsonConverter(typeof(JsonStringEnumConverter<AlertRule>))]
    public required AlertRule Rule { get; init; }

    [JsonPropertyName("severity")]
    [JsonConverter(typeof(JsonStringEnumConverter<AlertSeverity>))]
    public required AlertSeverity Severity { get; init; }

    [JsonPropertyName("actor_user_id")]
    public string? ActorUserId { get; init; }

    [JsonPropertyName("actor_client_id")]
    public string? ActorClientId { get; init; }

    [JsonPropertyName("actor_network_address")]
    public string? ActorNetworkAddress { get; init; }

    [JsonPropertyName("observed_count")]
    public required int ObservedCount { get; init; }

    [JsonPropertyName("window_start")]
    public required DateTimeOffset WindowStart { get; init; }

    [JsonPropertyName("window_end")]
    public required DateTimeOffset WindowEnd { get; init; }

    /// <summary>Ids of the audit events (AuditEvent ids) that made the rule fire; the first ones, bounded.</summary>
    [JsonPropertyName("related_event_ids")]
    public required Guid[] RelatedEventIds { get; init; }

    [JsonPropertyName("raised_at")]
    public required DateTimeOffset RaisedAt { get; init; }

    [JsonPropertyName("acknowledged_at")]
    public DateTimeOffset? AcknowledgedAt { get; init; }

    [JsonPropertyName("acknowledged_by")]
    public string? AcknowledgedBy { get; init; }

    [JsonPropertyName("acknowledgement_note")]
    public string? AcknowledgementNote { get; init; }

    internal static void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Alert>(alert =>
        {
            alert.ToTable("audit_alerts");
            alert.HasKey(a => a.Id);
            alert.Property(a => a.Id).HasColumnName("id").ValueGeneratedNever();
            alert.Property(a => a.Rule).HasColumnName("rule").HasConversion<string>().HasMaxLength(32);
            alert.Property(a => a.Severity).HasColumnName("severity").HasConversion<string>().HasMaxLength(16);
            alert.Property(a => a.ActorUserId).HasColumnName("actor_user_id").HasMaxLength(256);
            alert.Property(a => a.ActorClientId).HasColumnName("actor_client_id").HasMaxLength(256);
            alert.Property(a => a.ActorNetworkAddress).HasColumnName("actor_network_address").HasMaxLength(64);
            alert.Property(a => a.ObservedCount).HasColumnName("observed_count");
            alert.Property(a => a.WindowStart).HasColumnName("window_start");
            alert.Property(a => a.WindowEnd).HasColumnName("window_end");
            alert.Property(a => a.RelatedEventIds).HasColumnName("related_event_ids");
            alert.Property(a => a.RaisedAt).HasColumnName("raised_at");
            alert.HasIndex(a => a.RaisedAt);
            alert.Property(a => a.AcknowledgedAt).HasColumnName("acknowledged_at");
            alert.Property(a => a.AcknowledgedBy).HasColumnName("acknowledged_by").HasMaxLength(256);
            alert.Property(a => a.AcknowledgementNote).HasColumnName("acknowledgement_note").HasMaxLength(AuditEventSchema.MaxReasonLength);
        });
    }
}

/// <summary>How far detection has read the chain: one row, moved forward in the same transaction that stores the alerts it found.</summary>
public sealed record DetectionCursor
{
    public required int Id { get; init; }

    public required long Sequence { get; init; }

    internal static void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<DetectionCursor>(cursor =>
        {
            cursor.ToTable("audit_detection_cursor");
            cursor.HasKey(c => c.Id);
            cursor.Property(c => c.Id).HasColumnName("id").ValueGeneratedNever();
            cursor.Property(c => c.Sequence).HasColumnName("sequence");
            cursor.HasData(new DetectionCursor { Id = 1, Sequence = 0 });
        });
    }
}
