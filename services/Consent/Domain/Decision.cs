using HealthPlatform.Contracts.Audit;

namespace HealthPlatform.Consent.Domain;

/// <summary>A provision that took part in a decision: which consent, which version, where in it, and what it said.</summary>
public sealed record DecisionBasis(string ConsentId, int Version, string Provision, ProvisionType Type, Provision Rule);

public enum BreakTheGlassOutcome
{
    NotRequested,

    /// <summary>Asked for, but the answer was a permit anyway: nothing to override.</summary>
    NotNeeded,

    /// <summary>A deny was overridden for an emergency.</summary>
    Applied,

    /// <summary>Asked for by someone whose roles may not override.</summary>
    RefusedRole,
}

/// <summary>Something the caller must do along with a permit.</summary>
public sealed record Obligation(string Code, IReadOnlyList<string> Labels)
{
    /// <summary>Hide elements carrying these labels (the permit does not reach them).</summary>
    public const string HideLabelledElements = "hide-labelled-elements";

    /// <summary>An emergency override: audit the access as break-the-glass and keep it time-boxed.</summary>
    public const string EmergencyAccess = "emergency-access";
}

/// <summary>
/// The answer: permit or deny; why (the deciding reason, the provisions that decided — empty
/// when the default policy did); what the caller must do; and until when the answer holds at the
/// latest (the next moment a provision's period starts or ends).
/// </summary>
public sealed record Decision
{
    public required AuthorizationDecision Outcome { get; init; }

    public required DecisionReason Reason { get; init; }

    public IReadOnlyList<DecisionBasis> Basis { get; init; } = [];

    public IReadOnlyList<Obligation> Obligations { get; init; } = [];

    public BreakTheGlassOutcome BreakTheGlass { get; init; } = BreakTheGlassOutcome.NotRequested;

    public DateTimeOffset? ValidUntil { get; init; }

    public bool Permitted => Outcome == AuthorizationDecision.Permit;
}
