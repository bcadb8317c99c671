using System.Text.RegularExpressions;
using HealthPlatform.ServiceDefaults.Authorization.Smart;

namespace HealthPlatform.Identity.Server;

/// <summary>What a scope lets an app do, in plain words, for the consent screen.</summary>
public static partial class ScopeWords
{
    private static readonly Dictionary<string, string> Fixed = new(StringComparer.Ordinal)
    {
        ["openid"] = "Confirm who you are",
        ["profile"] = "See your user name",
        ["fhirUser"] = "Know which person you are in the health record",
        ["offline_access"] = "Keep access when you are not using the app, until you sign out or revoke it",
        ["online_access"] = "Keep access while you are using the app",
        ["launch/patient"] = "Know which patient's record it is working with",
        ["launch"] = "Know the context it was opened from",
        [SmartScopeApis.IdentityAdministration] = "Administer users, roles and apps of the platform",
        [SmartScopeApis.KeyManagementAdministration] = "Administer the platform's encryption keys",
    };

    private static readonly Dictionary<string, string> ResourceNames = new(StringComparer.Ordinal)
    {
        [SmartResourceScope.AnyResourceType] = "health records of every kind",
        ["Observation"] = "observations (lab results, vital signs)",
        ["Condition"] = "conditions (diagnoses)",
        ["MedicationRequest"] = "prescriptions",
        ["MedicationStatement"] = "medications",
        ["AllergyIntolerance"] = "allergies",
        ["Immunization"] = "immunizations",
        ["Procedure"] = "procedures",
        ["Encounter"] = "visits",
        ["DiagnosticReport"] = "reports (lab, imaging)",
        ["DocumentReference"] = "documents",
        ["Patient"] = "personal details (name, birth date, contact details)",
        ["Consent"] = "privacy choices (consents)",
        ["AuditEvent"] = "the record of who accessed the data",
    };

    public static string Describe(string scope)
    {
        if (Fixed.TryGetValue(scope, out var words))
        {
            return words;
        }

        if (!SmartScopeParser.TryParse(scope, out var parsed, out _) || parsed is not SmartResourceScope resource)
        {
            return scope;
        }

        var verbs = new List<string>();
        void Add(SmartPermissions permission, string verb)
        {
            if (resource.Allows(permission))
            {
                verbs.Add(verb);
            }
        }

        Add(SmartPermissions.Read, "read");
        Add(SmartPermissions.Search, "search");
        Add(SmartPermissions.Create, "create");
        Add(SmartPermissions.Update, "change");
        Add(SmartPermissions.Delete, "delete");
        var what = ResourceNames.GetValueOrDefault(resource.ResourceType) ?? Words(resource.ResourceType) + " records";
        var whose = resource.Context switch
        {
            SmartContext.Patient => "the patient's",
            SmartContext.User => "the",
            _ => "all",
        };
        var sentence = $"{Capitalised(JoinVerbs(verbs))} {whose} {what}";
        return resource.Context == SmartContext.User ? sentence + " you are allowed to see" : sentence;
    }

    private static string JoinVerbs(List<string> verbs) => verbs.Count switch
    {
        0 => "use",
        1 => verbs[0],
        _ => string.Join(", ", verbs[..^1]) + " and " + verbs[^1],
    };

    private static string Capitalised(string text) => char.ToUpperInvariant(text[0]) + text[1..];

    /// <summary><c>MedicationAdministration</c> → "medication administration".</summary>
    private static string Words(string resourceType) => CamelCaseBoundary().Replace(resourceType, " $1").ToLowerInvariant();

    [GeneratedRegex("(?<!^)([A-Z])")]
    private static partial Regex CamelCaseBoundary();
}
