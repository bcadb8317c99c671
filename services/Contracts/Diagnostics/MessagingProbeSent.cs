namespace HealthPlatform.Contracts.Diagnostics;

/// <summary>
/// A connectivity probe an operator sends through the bus in Development, to check that one
/// service's messages reach another (and that the trace follows them). Carries no patient data.
/// </summary>
public sealed record MessagingProbeSent
{
    public required Guid ProbeId { get; init; }

    /// <summary>The service that sent the probe.</summary>
    public required string Origin { get; init; }

    public required DateTimeOffset SentAt { get; init; }
}
