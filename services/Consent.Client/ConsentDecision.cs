namespace HealthPlatform.Consent.Client;

/// <summary>A provision that decided: the consent, its version, where in it, and whether it permits or denies.</summary>
public sealed record ConsentBasis(string Consent, int Version, string Provision, string Type);

/// <summary>What the caller must do with a permit: <c>hide-labelled-elements</c> (with the labels) or <c>emergency-access</c>.</summary>
public sealed record ConsentObligation(string Code, IReadOnlyList<string> Labels)
{
    public const string HideLabelledElements = "hide-labelled-elements";

    public const string EmergencyAccess = "emergency-access";
}

/// <summary>
/// The consent service's answer: <c>permit</c> or <c>deny</c>, the reason, the provisions that
/// decided, the obligations, the break-the-glass outcome (<c>not-requested</c>, <c>not-needed</c>,
/// <c>applied</c>, <c>refused-role</c>), and the latest moment it may be kept until.
/// </summary>
public sealed record ConsentDecision(
    string Decision,
    string Reason,
    IReadOnlyList<ConsentBasis> Basis,
    IReadOnlyList<ConsentObligation> Obligations,
    string BreakTheGlass,
    DateTimeOffset? ValidUntil)
{
    public bool Permitted => Decision == "permit";

    public bool EmergencyOverride => BreakTheGlass == "applied";

    /// <summary>Sensitive labels whose elements must be hidden from this caller.</summary>
    public IReadOnlyList<string> HiddenLabels =>
        Obligations.FirstOrDefault(obligation => obligation.Code == ConsentObligation.HideLabelledElements)?.Labels ?? [];
}
