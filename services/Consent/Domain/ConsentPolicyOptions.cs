using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.Authorization;

namespace HealthPlatform.Consent.Domain;

/// <summary>
/// What applies where a patient has said nothing (section <c>Consent:Policy</c>): the purposes
/// permitted by default — for data without sensitive labels only; sensitive data always needs a
/// patient's explicit permit — who may break the glass, and which staff may record consents.
/// Lists left unset take the defaults (configuration appends to a list that already has items).
/// </summary>
public sealed class ConsentPolicyOptions
{
    public const string SectionName = "Consent:Policy";

    public IList<PurposeOfUse>? DefaultPermittedPurposes { get; set; }

    /// <summary>Roles that may override a deny in an emergency (it overrides consent, never the role checks).</summary>
    public IList<string>? BreakTheGlassRoles { get; set; }

    /// <summary>Staff roles that may record a consent on a patient's behalf (with a <c>user/Consent</c> scope).</summary>
    public IList<string>? RecordingRoles { get; set; }

    public IReadOnlySet<PurposeOfUse> EffectiveDefaultPermittedPurposes => DefaultPermittedPurposes is { } purposes
        ? purposes.ToHashSet()
        : [PurposeOfUse.Treatment, PurposeOfUse.Payment, PurposeOfUse.Operations, PurposeOfUse.PatientRequest, PurposeOfUse.Emergency];

    public IReadOnlySet<string> EffectiveBreakTheGlassRoles => BreakTheGlassRoles is { } roles
        ? roles.ToHashSet(StringComparer.Ordinal)
        : new HashSet<string>(StringComparer.Ordinal) { PlatformRoles.Physician, PlatformRoles.Nurse };

    public IReadOnlySet<string> EffectiveRecordingRoles => RecordingRoles is { } roles
        ? roles.ToHashSet(StringComparer.Ordinal)
        : new HashSet<string>(StringComparer.Ordinal) { PlatformRoles.Physician, PlatformRoles.Nurse };
}
