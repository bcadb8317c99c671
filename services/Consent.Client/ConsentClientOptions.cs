namespace HealthPlatform.Consent.Client;

/// <summary>
/// How the consent client keeps decisions (section <c>ConsentClient</c>). A decision is kept for
/// at most <see cref="MaxAge"/> — and never past the moment a provision's period starts or ends —
/// so a change whose event this instance missed is late by at most that long, never lost.
/// </summary>
public sealed class ConsentClientOptions
{
    public const string SectionName = "ConsentClient";

    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Decisions kept at most, per instance.</summary>
    public int Capacity { get; set; } = 10_000;
}
