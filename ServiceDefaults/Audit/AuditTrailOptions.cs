namespace HealthPlatform.ServiceDefaults.Audit;

/// <summary>Settings of the audit producer (section <c>Audit</c>).</summary>
public sealed class AuditTrailOptions
{
    public const string SectionName = "Audit";

    /// <summary>How long a caller waits for the broker's confirm before the event counts as not recorded.</summary>
    public TimeSpan ConfirmTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the outbox relay looks for events when nobody told it of new ones.</summary>
    public TimeSpan OutboxPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest the relay waits between attempts while the broker is down.</summary>
    public TimeSpan OutboxMaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an event may wait in the outbox before the health check reports Degraded.</summary>
    public TimeSpan OutboxAlertAge { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Events the relay takes per transaction.</summary>
    public int OutboxBatchSize { get; set; } = 100;
}
