using System.Globalization;
using HealthPlatform.Consent.Domain;
using HealthPlatform.Contracts.Audit;

namespace HealthPlatform.Consent.Decisions;

/// <summary>A decision in words, for the patient whose consents decided it and for security officers.</summary>
public static class Explanation
{
    public static IReadOnlyList<string> Of(DecisionQuestion question, Decision decision)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(decision);
        var sentences = new List<string>();
        if (decision.Basis.Count == 0)
        {
            sentences.Add(DefaultPolicy(question, decision));
        }
        else
        {
            sentences.AddRange(decision.Basis.Select(basis =>
                $"Consent {basis.ConsentId} (version {basis.Version}), {Describe(basis.Rule)}, {(basis.Type == ProvisionType.Permit ? "permits" : "denies")} this."));
            if (decision.Basis.Count > 1 && decision.Basis[0].Type == ProvisionType.Deny)
            {
                sentences.Add("Where provisions disagree, a deny wins over a permit.");
            }
        }

        sentences.AddRange(decision.BreakTheGlass switch
        {
            BreakTheGlassOutcome.Applied => ["Break-the-glass: the deny was overridden for an emergency, because the requester holds a role allowed to; the access is audited as an emergency."],
            BreakTheGlassOutcome.RefusedRole => ["Break-the-glass was asked for, but none of the requester's roles may override a consent."],
            BreakTheGlassOutcome.NotNeeded => ["Break-the-glass was asked for but not needed: the access is permitted anyway."],
            _ => [],
        });
        sentences.AddRange(decision.Obligations
            .Where(obligation => obligation.Code == Obligation.HideLabelledElements)
            .Select(obligation => $"Parts of the record labelled {string.Join(", ", obligation.Labels.Select(LabelName))} are hidden from this requester."));
        sentences.Add(decision.Permitted ? "Decision: permitted." : "Decision: denied.");
        return sentences;
    }

    private static string DefaultPolicy(DecisionQuestion question, Decision decision)
    {
        const string none = "None of the patient's active consents covers this, so the platform's default policy decides";
        return (question.SensitiveLabels.Count > 0, decision.Reason) switch
        {
            (true, _) => $"{none}: data labelled {string.Join(", ", question.SensitiveLabels.Order(StringComparer.Ordinal).Select(LabelName))} is shared only with the patient's explicit permission.",
            (false, DecisionReason.DefaultPolicyPermitted) => $"{none}: {PurposeName(question.Purpose)} is permitted by default.",
            _ => $"{none}: {PurposeName(question.Purpose)} is not permitted without the patient's consent.",
        };
    }

    /// <summary>A provision in words: where it is and what it applies to.</summary>
    private static string Describe(Provision provision)
    {
        var parts = new List<string> { $"provision {provision.Path}" };
        if (provision.Actors.Count > 0)
        {
            parts.Add("for " + string.Join(" or ", provision.Actors.Select(actor => actor.Kind switch
            {
                ActorKind.Practitioner => $"practitioner {actor.Value}",
                ActorKind.Role => $"anyone with role {actor.Value}",
                ActorKind.Organization => $"organisation {actor.Value}",
                _ => $"app {actor.Value}",
            })));
        }

        if (provision.Purposes.Count > 0)
        {
            parts.Add("for " + string.Join(" or ", provision.Purposes.Order().Select(PurposeName)));
        }

        if (provision.Classes.Count > 0)
        {
            parts.Add("about " + string.Join(", ", provision.Classes.Order(StringComparer.Ordinal)));
        }

        if (provision.Labels.Count > 0)
        {
            parts.Add("about data labelled " + string.Join(", ", provision.Labels.Order(StringComparer.Ordinal).Select(LabelName)));
        }

        if (provision.Start is not null || provision.End is not null)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"in force {(provision.Start is { } start ? $"from {start:yyyy-MM-dd HH:mm} UTC " : "")}{(provision.End is { } end ? $"until {end:yyyy-MM-dd HH:mm} UTC" : "")}").TrimEnd());
        }

        return string.Join(", ", parts);
    }

    private static string PurposeName(PurposeOfUse purpose) => purpose switch
    {
        PurposeOfUse.Treatment => "treatment",
        PurposeOfUse.Payment => "payment",
        PurposeOfUse.Operations => "healthcare operations",
        PurposeOfUse.Research => "research",
        PurposeOfUse.PublicHealth => "public health",
        PurposeOfUse.PatientRequest => "the patient's own request",
        _ => "emergency access (break-the-glass)",
    };

    private static string LabelName(string label) => label switch
    {
        "PSY" => "mental health (PSY)",
        "HIV" => "HIV (HIV)",
        "SUD" => "substance use (SUD)",
        "ETH" => "substance abuse (ETH)",
        "R" => "restricted (R)",
        "V" => "very restricted (V)",
        _ => label,
    };
}
