using HealthPlatform.Contracts.Audit;
using Microsoft.Extensions.Options;

namespace HealthPlatform.Consent.Domain;

/// <summary>
/// Decides a <see cref="DecisionQuestion"/> from a patient's active consents (ADR-011):
/// <list type="number">
/// <item>Within a consent, a provision whose scope (actors, purposes, data classes, labels,
/// period) covers the question defers to its nested provisions — exceptions to it — and decides
/// itself only when none of them has an opinion.</item>
/// <item>Contradictions — sibling provisions, or two consents — are settled by deny-overrides: any
/// deny wins over any permit.</item>
/// <item>Where no consent has an opinion, the default policy decides: sensitive data is denied,
/// other data is permitted for the configured purposes.</item>
/// <item>A break-the-glass question by a role allowed to may override a deny; the decision says so
/// and obliges the caller to treat the access as an emergency.</item>
/// </list>
/// </summary>
public sealed class ConsentDecisionEngine(IOptions<ConsentPolicyOptions> options)
{
    public Decision Decide(DecisionQuestion question, IReadOnlyList<ConsentRules> consents, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(consents);
        var decision = Evaluate(question, consents, now) with { ValidUntil = NextBoundary(consents, now) };
        if (question.BreakTheGlass)
        {
            return decision.Permitted ? decision with { BreakTheGlass = BreakTheGlassOutcome.NotNeeded, Obligations = HiddenLabels(question, consents, now) }
                : question.Actor.Roles.Any(options.Value.EffectiveBreakTheGlassRoles.Contains)
                    ? decision with
                    {
                        Outcome = AuthorizationDecision.Permit,
                        Reason = DecisionReason.EmergencyOverride,
                        BreakTheGlass = BreakTheGlassOutcome.Applied,
                        Obligations = [new Obligation(Obligation.EmergencyAccess, [])],
                    }
                    : decision with { BreakTheGlass = BreakTheGlassOutcome.RefusedRole };
        }

        return decision.Permitted ? decision with { Obligations = HiddenLabels(question, consents, now) } : decision;
    }

    private Decision Evaluate(DecisionQuestion question, IReadOnlyList<ConsentRules> consents, DateTimeOffset now)
    {
        var opinions = consents.SelectMany(consent => Opinion(consent, consent.Root, question, now)).ToList();
        var denies = opinions.Where(basis => basis.Type == ProvisionType.Deny).ToList();
        if (denies.Count > 0)
        {
            return new Decision { Outcome = AuthorizationDecision.Deny, Reason = DecisionReason.ConsentDenied, Basis = denies };
        }

        if (opinions.Count > 0)
        {
            return new Decision { Outcome = AuthorizationDecision.Permit, Reason = DecisionReason.ConsentPermitted, Basis = opinions };
        }

        var permitted = question.SensitiveLabels.Count == 0 && options.Value.EffectiveDefaultPermittedPurposes.Contains(question.Purpose);
        return new Decision
        {
            Outcome = permitted ? AuthorizationDecision.Permit : AuthorizationDecision.Deny,
            Reason = permitted ? DecisionReason.DefaultPolicyPermitted : DecisionReason.DefaultPolicyDenied,
        };
    }

    /// <summary>What <paramref name="provision"/> (and its exceptions) says about the question: nothing, its own rule, or its exceptions' (deny-overrides among them).</summary>
    private static List<DecisionBasis> Opinion(ConsentRules consent, Provision provision, DecisionQuestion question, DateTimeOffset now)
    {
        if (!provision.Covers(question, now))
        {
            return [];
        }

        var exceptions = provision.Provisions.SelectMany(nested => Opinion(consent, nested, question, now)).ToList();
        if (exceptions.Count > 0)
        {
            var denies = exceptions.Where(basis => basis.Type == ProvisionType.Deny).ToList();
            return denies.Count > 0 ? denies : exceptions;
        }

        return provision.Reaches(question)
            ? [new DecisionBasis(consent.ConsentId, consent.Version, provision.Path, provision.Type, provision)]
            : [];
    }

    /// <summary>The sensitive labels a permit does not reach: elements carrying them must be hidden.</summary>
    private IReadOnlyList<Obligation> HiddenLabels(DecisionQuestion question, IReadOnlyList<ConsentRules> consents, DateTimeOffset now)
    {
        var hidden = ConsentVocabulary.SensitiveLabels
            .Where(label => !question.SensitiveLabels.Contains(label) && !Evaluate(question.About(label), consents, now).Permitted)
            .Order(StringComparer.Ordinal)
            .ToList();
        return hidden.Count > 0 ? [new Obligation(Obligation.HideLabelledElements, hidden)] : [];
    }

    /// <summary>The next moment any provision's period starts or ends: a decision may change then, so it must not be cached past it.</summary>
    private static DateTimeOffset? NextBoundary(IReadOnlyList<ConsentRules> consents, DateTimeOffset now)
    {
        var boundaries = consents.SelectMany(consent => consent.Root.SelfAndNested())
            .SelectMany(provision => new[] { provision.Start, provision.End })
            .OfType<DateTimeOffset>()
            .Where(boundary => boundary > now)
            .ToList();
        return boundaries.Count > 0 ? boundaries.Min() : null;
    }
}
