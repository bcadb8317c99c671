using HealthPlatform.Contracts.Audit;

namespace HealthPlatform.Audit.Detection;

/// <summary>One detection rule's settings: on or off, how much in which window fires it, how severe it is.</summary>
public sealed class RuleOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>The rule fires when the count in one window goes above this (unused by per-event rules).</summary>
    public int Threshold { get; set; }

    /// <summary>The counting window (fixed, aligned to the epoch); for per-event rules, how long one actor's alert stands before another is raised.</summary>
    public TimeSpan Window { get; set; }

    public AlertSeverity Severity { get; set; }
}

/// <summary>The detection rules (section <c>AuditLog:Detection</c>); see docs/runbooks/ for what each means and what to do.</summary>
public sealed class DetectionOptions
{
    public const string SectionName = "AuditLog:Detection";

    /// <summary>Prefix of every Redis key the rules count in (shared by the replicas of one deployment).</summary>
    public string KeyPrefix { get; set; } = "audit:detect";

    /// <summary>How often new entries are looked at (at once, too, when entries are stored here).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    public RuleOptions HighVolume { get; set; } = new() { Threshold = 500, Window = TimeSpan.FromMinutes(10), Severity = AlertSeverity.High };

    public RuleOptions ManyDistinctPatients { get; set; } = new() { Threshold = 50, Window = TimeSpan.FromHours(1), Severity = AlertSeverity.High };

    public RuleOptions OffHoursAccess { get; set; } = new() { Window = TimeSpan.FromHours(1), Severity = AlertSeverity.Medium };

    public RuleOptions BreakTheGlassUsed { get; set; } = new() { Severity = AlertSeverity.High };

    public RuleOptions DenialSpike { get; set; } = new() { Threshold = 20, Window = TimeSpan.FromMinutes(1), Severity = AlertSeverity.Medium };

    public RuleOptions RevokedTokenUse { get; set; } = new() { Window = TimeSpan.FromMinutes(10), Severity = AlertSeverity.Critical };

    /// <summary>Working hours start (local time in <see cref="TimeZone"/>).</summary>
    public TimeOnly WorkStart { get; set; } = new(7, 0);

    public TimeOnly WorkEnd { get; set; } = new(19, 0);

    /// <summary>
    /// Working days; unset means Monday to Friday. (Left null here on purpose: configuration binding
    /// adds to an array that has defaults instead of replacing it, so a shorter list could not be set.)
    /// </summary>
    public DayOfWeek[]? WorkDays { get; set; }

    public IReadOnlyCollection<DayOfWeek> EffectiveWorkDays =>
        WorkDays ?? [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday];

    /// <summary>An IANA time zone id, e.g. <c>Europe/Berlin</c>.</summary>
    public string TimeZone { get; set; } = "UTC";

    public IEnumerable<(AlertRule Rule, RuleOptions Options)> Rules =>
    [
        (AlertRule.HighVolume, HighVolume),
        (AlertRule.ManyDistinctPatients, ManyDistinctPatients),
        (AlertRule.OffHoursAccess, OffHoursAccess),
        (AlertRule.BreakTheGlassUsed, BreakTheGlassUsed),
        (AlertRule.DenialSpike, DenialSpike),
        (AlertRule.RevokedTokenUse, RevokedTokenUse),
    ];
}
