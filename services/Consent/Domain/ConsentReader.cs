using System.Text.RegularExpressions;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.Authorization;
using Hl7.Fhir.Model;

namespace HealthPlatform.Consent.Domain;

/// <summary>A problem with a consent, where it is (FHIRPath) and what is wrong; never the value itself.</summary>
public sealed record ConsentProblem(string Expression, string Message);

/// <summary>
/// Reads a FHIR Consent into <see cref="ConsentRules"/>, and refuses what the decision point
/// could not honour exactly: a scope other than patient-privacy, an actor, purpose, data class or
/// security label it does not know, a period that ends before it starts, criteria it does not
/// evaluate (actions, codes, data references). The Firely validator checks the resource against
/// FHIR first; these are the platform's own rules on top.
/// </summary>
public static partial class ConsentReader
{
    public const int MaxDepth = 4;

    public const int MaxProvisions = 100;

    public static IReadOnlyList<ConsentProblem> Check(Hl7.Fhir.Model.Consent consent) => Read(consent, "-", 1, out _);

    /// <summary>The rules of <paramref name="consent"/>, or null with the problems that prevent reading it.</summary>
    public static IReadOnlyList<ConsentProblem> Read(Hl7.Fhir.Model.Consent consent, string consentId, int version, out ConsentRules? rules)
    {
        ArgumentNullException.ThrowIfNull(consent);
        var problems = new List<ConsentProblem>();
        if (consent.Scope?.Coding.Any(coding => coding.System == ConsentVocabulary.ScopeSystem && coding.Code == ConsentVocabulary.PatientPrivacy) != true)
        {
            problems.Add(new("Consent.scope", $"Only patient-privacy consents ({ConsentVocabulary.ScopeSystem}#{ConsentVocabulary.PatientPrivacy}) are kept here."));
        }

        var patientId = PatientIdOf(consent);
        if (patientId is null)
        {
            problems.Add(new("Consent.patient", "The consent must name its patient as a reference Patient/{id}."));
        }

        Provision? root = null;
        if (consent.Provision is null)
        {
            problems.Add(new("Consent.provision", "A patient-privacy consent needs a provision: its base rule, permit or deny."));
        }
        else
        {
            var count = 0;
            root = ReadProvision(consent.Provision, "Consent.provision", 1, problems, ref count);
        }

        rules = problems.Count == 0 ? new ConsentRules(consentId, version, patientId!, root!) : null;
        return problems;
    }

    /// <summary>The patient id of <c>Consent.patient</c> when it is a plain <c>Patient/{id}</c> reference.</summary>
    public static string? PatientIdOf(Hl7.Fhir.Model.Consent consent)
    {
        ArgumentNullException.ThrowIfNull(consent);
        var match = consent.Patient?.Reference is { } reference ? PatientReference().Match(reference) : null;
        return match is { Success: true } ? match.Groups[1].Value : null;
    }

    private static Provision? ReadProvision(Hl7.Fhir.Model.Consent.provisionComponent provision, string path, int depth, List<ConsentProblem> problems, ref int count)
    {
        if (++count > MaxProvisions)
        {
            problems.Add(new(path, $"A consent may hold at most {MaxProvisions} provisions."));
            return null;
        }

        if (depth > MaxDepth)
        {
            problems.Add(new(path, $"Provisions may be nested at most {MaxDepth} deep."));
            return null;
        }

        var before = problems.Count;
        if (provision.Type is null)
        {
            problems.Add(new(path + ".type", "Every provision must say whether it permits or denies."));
        }

        var (start, end) = ReadPeriod(provision.Period, path + ".period", problems);
        var actors = provision.Actor.Select((actor, index) => ReadActor(actor, $"{path}.actor[{index}]", problems)).OfType<ProvisionActor>().ToList();
        var purposes = Codes(provision.Purpose, path + ".purpose", problems, coding =>
            coding.System == ConsentVocabulary.PurposeSystem && coding.Code is { } code && ConsentVocabulary.Purposes.TryGetValue(code, out var purpose) ? purpose : (PurposeOfUse?)null,
            $"Purposes of use are v3 ActReason codes: {string.Join(", ", ConsentVocabulary.Purposes.Keys)}.");
        var classes = Codes(provision.Class, path + ".class", problems, coding =>
            coding.System == ConsentVocabulary.ResourceTypeSystem && coding.Code is { } code && ModelInfo.IsKnownResource(code) ? code : null,
            $"Data classes are FHIR resource types ({ConsentVocabulary.ResourceTypeSystem}).");
        var labels = Codes(provision.SecurityLabel, path + ".securityLabel", problems, coding => ConsentVocabulary.Label(coding.System, coding.Code),
            $"Security labels are the sensitivity codes {string.Join(", ", ConsentVocabulary.SensitivityCodes)} ({ConsentVocabulary.SensitivitySystem}) and the confidentiality codes {string.Join(", ", ConsentVocabulary.ConfidentialityCodes)} ({ConsentVocabulary.ConfidentialitySystem}).");
        Unsupported(provision.Action.Count > 0, path + ".action", problems);
        Unsupported(provision.Code.Count > 0, path + ".code", problems);
        Unsupported(provision.Data.Count > 0, path + ".data", problems);
        Unsupported(provision.DataPeriod is not null, path + ".dataPeriod", problems);

        var nested = new List<Provision>();
        for (var index = 0; index < provision.Provision.Count; index++)
        {
            if (ReadProvision(provision.Provision[index], $"{path}.provision[{index}]", depth + 1, problems, ref count) is { } child)
            {
                nested.Add(child);
            }
        }

        return problems.Count > before ? null : new Provision
        {
            Path = path,
            Type = provision.Type == Hl7.Fhir.Model.Consent.ConsentProvisionType.Permit ? ProvisionType.Permit : ProvisionType.Deny,
            Start = start,
            End = end,
            Actors = actors,
            Purposes = purposes.Select(purpose => purpose!.Value).ToHashSet(),
            Classes = classes.ToHashSet(StringComparer.Ordinal)!,
            Labels = labels.ToHashSet(StringComparer.Ordinal)!,
            Provisions = nested,
        };
    }

    private static ProvisionActor? ReadActor(Hl7.Fhir.Model.Consent.provisionActorComponent actor, string path, List<ConsentProblem> problems)
    {
        var reference = actor.Reference;
        var literal = reference?.Reference is { } value ? ActorReference().Match(value) : null;
        ProvisionActor? read = (literal, reference?.Identifier) switch
        {
            ({ Success: true }, _) => new ProvisionActor(literal.Groups[1].Value == "Practitioner" ? ActorKind.Practitioner : ActorKind.Organization, literal.Groups[2].Value),
            (null, { System: ConsentVocabulary.RoleSystem, Value: { } role }) when PlatformRoles.All.Contains(role) => new ProvisionActor(ActorKind.Role, role),
            (null, { System: ConsentVocabulary.ClientSystem, Value: { } client }) when ClientId().IsMatch(client) => new ProvisionActor(ActorKind.Client, client),
            _ => null,
        };
        if (read is null)
        {
            problems.Add(new(path + ".reference",
                $"Unknown actor type. An actor is a practitioner (Practitioner/{{id}}), an organisation (Organization/{{id}}), a role (identifier {ConsentVocabulary.RoleSystem}: one of {string.Join(", ", PlatformRoles.All)}) or a client app (identifier {ConsentVocabulary.ClientSystem})."));
        }

        return read;
    }

    private static List<T?> Codes<T>(List<Coding> codings, string path, List<ConsentProblem> problems, Func<Coding, T?> read, string expected)
    {
        var values = new List<T?>();
        for (var index = 0; index < codings.Count; index++)
        {
            if (read(codings[index]) is { } value)
            {
                values.Add(value);
            }
            else
            {
                problems.Add(new($"{path}[{index}]", "Unknown code. " + expected));
            }
        }

        return values;
    }

    private static (DateTimeOffset? Start, DateTimeOffset? End) ReadPeriod(Period? period, string path, List<ConsentProblem> problems)
    {
        if (period is null)
        {
            return (null, null);
        }

        var start = FhirInstants.StartOf(period.StartElement);
        var end = FhirInstants.EndOf(period.EndElement);
        if (start is not null && end is not null && end < start)
        {
            problems.Add(new(path, "The period ends before it starts."));
        }

        return (start, end);
    }

    private static void Unsupported(bool present, string path, List<ConsentProblem> problems)
    {
        if (present)
        {
            problems.Add(new(path, "The decision point does not evaluate this criterion, so a consent using it is refused rather than half honoured."));
        }
    }

    [GeneratedRegex("^Patient/([A-Za-z0-9\\-\\.]{1,64})\\z")]
    private static partial Regex PatientReference();

    [GeneratedRegex("^(Practitioner|Organization)/([A-Za-z0-9\\-\\.]{1,64})\\z")]
    private static partial Regex ActorReference();

    [GeneratedRegex("^[A-Za-z0-9\\-\\._~]{1,100}\\z")]
    private static partial Regex ClientId();
}
