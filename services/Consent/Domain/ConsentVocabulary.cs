using HealthPlatform.Contracts.Audit;

namespace HealthPlatform.Consent.Domain;

/// <summary>
/// The codes a patient-privacy Consent on this platform may use, and what each means to a
/// decision. A code outside these lists is refused when the consent is written: a provision the
/// decision point would silently ignore is worse than one it refuses.
/// </summary>
public static class ConsentVocabulary
{
    public const string ScopeSystem = "http://terminology.hl7.org/CodeSystem/consentscope";
    public const string PatientPrivacy = "patient-privacy";

    public const string PurposeSystem = PurposeOfUseCodes.System;
    public const string ResourceTypeSystem = "http://hl7.org/fhir/resource-types";
    public const string SensitivitySystem = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    public const string ConfidentialitySystem = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";

    /// <summary>Identifies a platform role (<c>nurse</c>, …) as a provision's actor, on a PractitionerRole reference.</summary>
    public const string RoleSystem = "https://healthplatform.dev/fhir/sid/role";

    /// <summary>Identifies a client application by its OAuth <c>client_id</c>, on a Device reference.</summary>
    public const string ClientSystem = "https://healthplatform.dev/fhir/sid/client-id";

    /// <summary>The v3 ActReason codes for each purpose of use.</summary>
    public static IReadOnlyDictionary<string, PurposeOfUse> Purposes => PurposeOfUseCodes.ByCode;

    /// <summary>Sensitivity codes (v3 ActCode): mental health, HIV, substance use, and the older code for substance abuse.</summary>
    public static IReadOnlySet<string> SensitivityCodes { get; } = new HashSet<string>(StringComparer.Ordinal) { "PSY", "HIV", "SUD", "ETH" };

    /// <summary>Confidentiality codes (v3 Confidentiality) that make data sensitive: restricted and very restricted.</summary>
    public static IReadOnlySet<string> ConfidentialityCodes { get; } = new HashSet<string>(StringComparer.Ordinal) { "R", "V" };

    /// <summary>Every sensitive label, by code (the codes of the two systems do not overlap).</summary>
    public static IReadOnlySet<string> SensitiveLabels { get; } = new HashSet<string>(SensitivityCodes.Concat(ConfidentialityCodes), StringComparer.Ordinal);

    /// <summary>The label a coding names, or null when it is not one this platform knows.</summary>
    public static string? Label(string? system, string? code) => (system, code) switch
    {
        (SensitivitySystem, { } sensitivity) when SensitivityCodes.Contains(sensitivity) => sensitivity,
        (ConfidentialitySystem, { } confidentiality) when ConfidentialityCodes.Contains(confidentiality) => confidentiality,
        _ => null,
    };

    /// <summary>The coding's system for a label code.</summary>
    public static string SystemOf(string label) => SensitivityCodes.Contains(label) ? SensitivitySystem : ConfidentialitySystem;
}
