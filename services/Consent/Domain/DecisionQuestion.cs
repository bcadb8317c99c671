using HealthPlatform.Contracts.Audit;

namespace HealthPlatform.Consent.Domain;

/// <summary>Who is asking: the user (subject id and FHIR Practitioner id), their roles, organisation and client app.</summary>
public sealed record DecisionActor
{
    public string? UserId { get; init; }

    /// <summary>The FHIR Practitioner id (from the token's <c>fhirUser</c>, without <c>Practitioner/</c>).</summary>
    public string? Practitioner { get; init; }

    public IReadOnlyList<string> Roles { get; init; } = [];

    public string? Organization { get; init; }

    public string? ClientId { get; init; }
}

/// <summary>
/// The question a decision answers: may <see cref="Actor"/> see <see cref="PatientId"/>'s data of
/// <see cref="ResourceType"/>, carrying <see cref="SensitiveLabels"/>, for <see cref="Purpose"/>?
/// <see cref="BreakTheGlass"/> asks for an emergency override of a deny.
/// </summary>
public sealed record DecisionQuestion
{
    public required string PatientId { get; init; }

    public required DecisionActor Actor { get; init; }

    public required PurposeOfUse Purpose { get; init; }

    public required string ResourceType { get; init; }

    public IReadOnlySet<string> SensitiveLabels { get; init; } = new HashSet<string>();

    public bool BreakTheGlass { get; init; }

    /// <summary>The same question about data carrying only <paramref name="label"/>.</summary>
    public DecisionQuestion About(string label) => this with { SensitiveLabels = new HashSet<string>(StringComparer.Ordinal) { label }, BreakTheGlass = false };
}
