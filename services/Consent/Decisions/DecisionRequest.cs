using HealthPlatform.Consent.Domain;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.Authorization;
using Hl7.Fhir.Model;

namespace HealthPlatform.Consent.Decisions;

/// <summary>Who asks, on the wire: subject id, FHIR Practitioner (<c>Practitioner/{id}</c> or the id), roles, organisation id, client id.</summary>
public sealed record DecisionActorRequest(string? User, string? Practitioner, IReadOnlyList<string>? Roles, string? Organization, string? Client);

/// <summary>
/// A decision question on the wire. <c>purpose</c> is a v3 ActReason code (<c>TREAT</c>, …,
/// <c>BTG</c> for break-the-glass); <c>securityLabels</c> are the codes the data carries — the
/// sensitive ones (PSY, HIV, SUD, ETH, R, V) matter; the other confidentiality codes (U, L, M, N)
/// are accepted and need no grant.
/// </summary>
public sealed record DecisionRequest(string? Patient, DecisionActorRequest? Actor, string? Purpose, string? ResourceType, IReadOnlyList<string>? SecurityLabels)
{
    private static readonly HashSet<string> PlainConfidentiality = new(StringComparer.Ordinal) { "U", "L", "M", "N" };

    /// <summary>The question, or the problems with the request (each naming its field).</summary>
    public DecisionQuestion? ToQuestion(out Dictionary<string, string[]> problems)
    {
        problems = [];
        if (!AuditEventSchema.IsFhirId(Patient))
        {
            problems["patient"] = ["The patient's FHIR id is required."];
        }

        PurposeOfUse purpose = default;
        if (Purpose is null || !ConsentVocabulary.Purposes.TryGetValue(Purpose, out purpose))
        {
            problems["purpose"] = [$"A purpose of use is required: one of {string.Join(", ", ConsentVocabulary.Purposes.Keys)}."];
        }

        if (ResourceType is null || !ModelInfo.IsKnownResource(ResourceType))
        {
            problems["resourceType"] = ["A FHIR resource type is required."];
        }

        var labels = SecurityLabels ?? [];
        if (labels.FirstOrDefault(label => !ConsentVocabulary.SensitiveLabels.Contains(label) && !PlainConfidentiality.Contains(label)) is { } unknown)
        {
            problems["securityLabels"] = [$"Unknown security label '{Truncate(unknown)}': known are {string.Join(", ", ConsentVocabulary.SensitiveLabels)} and U, L, M, N."];
        }

        var actor = ReadActor(problems);
        return problems.Count > 0 ? null : new DecisionQuestion
        {
            PatientId = Patient!,
            Actor = actor!,
            Purpose = purpose,
            ResourceType = ResourceType!,
            SensitiveLabels = labels.Where(ConsentVocabulary.SensitiveLabels.Contains).ToHashSet(StringComparer.Ordinal),
            BreakTheGlass = purpose == PurposeOfUse.Emergency,
        };
    }

    private DecisionActor? ReadActor(Dictionary<string, string[]> problems)
    {
        if (Actor is null || (Actor.User is null && Actor.Client is null))
        {
            problems["actor"] = ["The actor is required, with at least a user or a client."];
            return null;
        }

        // Practitioner and organisation are FHIR ids, as provisions hold them; a reference is accepted and reduced to its id.
        var practitioner = WithoutType(Actor.Practitioner, "Practitioner/");
        var organization = WithoutType(Actor.Organization, "Organization/");
        string?[] ids = [Actor.User, Actor.Client];
        if (ids.Any(id => id is not null && !AuditEventSchema.IsIdentifier(id)) || new[] { practitioner, organization }.Any(id => id is not null && !AuditEventSchema.IsFhirId(id)))
        {
            problems["actor"] = ["User and client ids are printable ASCII without spaces (at most 256); practitioner and organization are FHIR ids (or Practitioner/{id}, Organization/{id})."];
        }

        var roles = Actor.Roles ?? [];
        if (roles.Any(role => !PlatformRoles.All.Contains(role)))
        {
            problems["actor.roles"] = [$"Roles are platform roles: {string.Join(", ", PlatformRoles.All)}."];
        }

        return new DecisionActor { UserId = Actor.User, Practitioner = practitioner, Roles = roles, Organization = organization, ClientId = Actor.Client };
    }

    private static string? WithoutType(string? reference, string type) =>
        reference is not null && reference.StartsWith(type, StringComparison.Ordinal) ? reference[type.Length..] : reference;

    private static string Truncate(string value) => value.Length <= 16 ? value : value[..16] + "…";
}
