using HealthPlatform.Consent.Domain;
using HealthPlatform.Consent.Store;
using HealthPlatform.ServiceDefaults.Audit;
using HealthPlatform.ServiceDefaults.Authorization;
using HealthPlatform.ServiceDefaults.Authorization.Smart;

namespace HealthPlatform.Consent.Access;

/// <summary>
/// Who is calling the Consent API, as far as consents go. A patient — role <c>patient</c>, a
/// <c>patient/Consent</c> scope and their own record as launch context — manages only their own
/// consents. Staff in a recording role (<see cref="ConsentPolicyOptions.RecordingRoles"/>) with a
/// <c>user/Consent</c> scope may read and record any patient's consents, on the patient's behalf;
/// with a <c>patient/Consent</c> scope, only the launched patient's — but never one that names them.
/// Nobody else reaches consents.
/// </summary>
/// <param name="MayRead">Whether the token also holds a Consent read scope: a revocation's answer shows the stored consent only then.</param>
public sealed record ConsentCaller(ConsentAuthor Author, string? OnlyPatient, DecisionActor Actor, bool MayRead)
{
    public bool MayReach(string patientId) => OnlyPatient is null || string.Equals(OnlyPatient, patientId, StringComparison.Ordinal);

    /// <summary>
    /// Whether this caller may write a consent that says <paramref name="rules"/>. Staff may not
    /// record, change or revoke a consent that names them — as a practitioner, by a role they hold
    /// or through their app: a nurse a patient shut out must not be able to open the door herself.
    /// Someone else, or the patient, may.
    /// </summary>
    public bool MayWrite(ConsentRules? rules) => !Author.OnBehalfOfPatient || rules is null || !rules.Names(Actor);

    /// <summary>The caller, or null when they may not reach consents at all (the route's scope check has already run).</summary>
    public static ConsentCaller? Of(HttpContext context, ConsentPolicyOptions policy)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(policy);
        if (context.Features.Get<SmartScopeGrant>() is not { } grant)
        {
            return null;
        }

        var actor = AuditActors.FromRequest(context);
        var fhirUser = context.User.FindFirst("fhirUser")?.Value;
        var asActor = new DecisionActor
        {
            UserId = actor.UserId,
            Practitioner = fhirUser is not null && fhirUser.StartsWith("Practitioner/", StringComparison.Ordinal) ? fhirUser["Practitioner/".Length..] : null,
            Roles = actor.Roles,
            ClientId = actor.ClientId,
        };
        var launched = grant.Scopes.Any(scope => scope.Context == SmartContext.Patient) ? grant.PatientId : null;
        var read = new SmartScopeRequirement("Consent", SmartPermissions.Read);
        var mayRead = SmartScopeParser.ResourceScopesOf(context.User).Any(scope => read.IsMetBy(scope) && (scope.Context != SmartContext.Patient || grant.PatientId is not null));
        var staffScope = grant.Scopes.Any(scope => scope.Context == SmartContext.User);
        if (context.User.HasClaim("role", PlatformRoles.Patient))
        {
            // A patient's own consents only, whatever else the token says.
            return launched is null ? null : new ConsentCaller(new ConsentAuthor(actor, OnBehalfOfPatient: false), launched, asActor, mayRead);
        }

        var recorder = actor.UserId is not null && policy.EffectiveRecordingRoles.Any(role => context.User.HasClaim("role", role));
        return recorder switch
        {
            true when staffScope => new ConsentCaller(new ConsentAuthor(actor, OnBehalfOfPatient: true), null, asActor, mayRead),
            true when launched is not null => new ConsentCaller(new ConsentAuthor(actor, OnBehalfOfPatient: true), launched, asActor, mayRead),
            _ => null,
        };
    }
}
