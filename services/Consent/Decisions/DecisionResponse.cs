using HealthPlatform.Consent.Domain;

namespace HealthPlatform.Consent.Decisions;

public sealed record DecisionBasisResponse(string Consent, int Version, string Provision, string Type);

public sealed record ObligationResponse(string Code, IReadOnlyList<string> Labels);

/// <summary>
/// The decision on the wire: <c>permit</c> or <c>deny</c>; the reason (<c>ConsentPermitted</c>,
/// <c>ConsentDenied</c>, <c>DefaultPolicyPermitted</c>, <c>DefaultPolicyDenied</c>,
/// <c>EmergencyOverride</c>); the provisions that decided; obligations; the break-the-glass
/// outcome; and the latest moment the answer may be kept until.
/// </summary>
public sealed record DecisionResponse(
    string Decision,
    string Reason,
    IReadOnlyList<DecisionBasisResponse> Basis,
    IReadOnlyList<ObligationResponse> Obligations,
    string BreakTheGlass,
    DateTimeOffset? ValidUntil)
{
    public static DecisionResponse From(Decision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return new DecisionResponse(
            decision.Permitted ? "permit" : "deny",
            decision.Reason.ToString(),
            [.. decision.Basis.Select(basis => new DecisionBasisResponse(basis.ConsentId, basis.Version, basis.Provision, basis.Type == ProvisionType.Permit ? "permit" : "deny"))],
            [.. decision.Obligations.Select(obligation => new ObligationResponse(obligation.Code, obligation.Labels))],
            decision.BreakTheGlass switch
            {
                BreakTheGlassOutcome.Applied => "applied",
                BreakTheGlassOutcome.NotNeeded => "not-needed",
                BreakTheGlassOutcome.RefusedRole => "refused-role",
                _ => "not-requested",
            },
            decision.ValidUntil);
    }
}
