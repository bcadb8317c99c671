using HealthPlatform.Contracts.Audit;

namespace HealthPlatform.Consent.Domain;

public enum ProvisionType
{
    Deny,
    Permit,
}

public enum ActorKind
{
    /// <summary>A practitioner user, by their FHIR Practitioner id (the token's <c>fhirUser</c>).</summary>
    Practitioner,

    /// <summary>Everyone holding a platform role.</summary>
    Role,

    Organization,

    /// <summary>A client application, by its OAuth <c>client_id</c>.</summary>
    Client,
}

/// <summary>Someone a provision is about.</summary>
public sealed record ProvisionActor(ActorKind Kind, string Value)
{
    public bool Matches(DecisionActor actor) => Kind switch
    {
        ActorKind.Practitioner => string.Equals(actor.Practitioner, Value, StringComparison.Ordinal),
        ActorKind.Role => actor.Roles.Contains(Value, StringComparer.Ordinal),
        ActorKind.Organization => string.Equals(actor.Organization, Value, StringComparison.Ordinal),
        ActorKind.Client => string.Equals(actor.ClientId, Value, StringComparison.Ordinal),
        _ => false,
    };
}

/// <summary>
/// One provision of a consent, as the decision point reads it: a rule (permit or deny) and the
/// criteria it applies to. An empty criterion matches anything; a listed one, any of its values.
/// Nested provisions are exceptions to their parent.
/// </summary>
public sealed record Provision
{
    /// <summary>Where the provision is in the resource, as FHIRPath (<c>Consent.provision.provision[1]</c>).</summary>
    public required string Path { get; init; }

    public required ProvisionType Type { get; init; }

    public DateTimeOffset? Start { get; init; }

    public DateTimeOffset? End { get; init; }

    public IReadOnlyList<ProvisionActor> Actors { get; init; } = [];

    public IReadOnlySet<PurposeOfUse> Purposes { get; init; } = new HashSet<PurposeOfUse>();

    /// <summary>FHIR resource types (data classes).</summary>
    public IReadOnlySet<string> Classes { get; init; } = new HashSet<string>();

    /// <summary>Security label codes (<see cref="ConsentVocabulary.SensitiveLabels"/>).</summary>
    public IReadOnlySet<string> Labels { get; init; } = new HashSet<string>();

    public IReadOnlyList<Provision> Provisions { get; init; } = [];

    /// <summary>This provision and every provision nested in it.</summary>
    public IEnumerable<Provision> SelfAndNested() => Provisions.SelectMany(nested => nested.SelfAndNested()).Prepend(this);

    public bool InForceAt(DateTimeOffset now) => (Start is null || Start <= now) && (End is null || now <= End);

    /// <summary>
    /// Whether the question is within the provision's scope: its actors, purposes, data classes and
    /// period, and — when it lists labels — data carrying one of them. Within scope, the
    /// provision's exceptions are asked first.
    /// </summary>
    public bool Covers(DecisionQuestion question, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(question);
        return InForceAt(now)
            && (Actors.Count == 0 || Actors.Any(actor => actor.Matches(question.Actor)))
            && (Purposes.Count == 0 || Purposes.Contains(question.Purpose))
            && (Classes.Count == 0 || Classes.Contains(question.ResourceType))
            && (Labels.Count == 0 || Labels.Overlaps(question.SensitiveLabels));
    }

    /// <summary>
    /// Whether the provision's own rule reaches the data: a deny reaches all it covers; a permit
    /// reaches sensitive data only when it names every sensitive label the data carries — sensitive
    /// data needs an explicit grant.
    /// </summary>
    public bool Reaches(DecisionQuestion question)
    {
        ArgumentNullException.ThrowIfNull(question);
        return Type == ProvisionType.Deny || question.SensitiveLabels.IsSubsetOf(Labels);
    }
}

/// <summary>A patient's consent as the decision point reads it (only active consents are read).</summary>
public sealed record ConsentRules(string ConsentId, int Version, string PatientId, Provision Root)
{
    /// <summary>Whether any provision names <paramref name="actor"/> — as a practitioner, by a role they hold, their organisation or their app.</summary>
    public bool Names(DecisionActor actor) => Root.SelfAndNested().Any(provision => provision.Actors.Any(named => named.Matches(actor)));

    /// <summary>
    /// What an active consent that can no longer be read (the platform's rules tightened since it
    /// was written) stands for: a deny of everything, until the patient writes it again. Ignoring it
    /// would drop its denies.
    /// </summary>
    public static ConsentRules Unreadable(string consentId, int version, string patientId) =>
        new(consentId, version, patientId, new Provision { Path = "Consent", Type = ProvisionType.Deny });
}
