namespace HealthPlatform.ServiceDefaults.Authorization.Smart;

/// <summary>Whose data a SMART resource scope reaches: the launch patient's, what the user may see, or the client system's.</summary>
public enum SmartContext
{
    Patient = 1,
    User,
    System,
}

/// <summary>SMART v2 permissions (<c>c r u d s</c>); v1's <c>read</c> is read + search, <c>write</c> is create + update + delete.</summary>
[Flags]
public enum SmartPermissions
{
    None = 0,
    Create = 1,
    Read = 2,
    Update = 4,
    Delete = 8,
    Search = 16,
    All = Create | Read | Update | Delete | Search,
}

/// <summary>Which SMART App Launch version's syntax a resource scope was written in.</summary>
public enum SmartScopeSyntax
{
    /// <summary><c>patient/Observation.read</c>, <c>.write</c>, <c>.*</c>.</summary>
    Version1 = 1,

    /// <summary><c>patient/Observation.rs</c>, optionally narrowed: <c>?category=laboratory</c>.</summary>
    Version2,
}

/// <summary>A scope the authorization server understands: a SMART resource scope, or one of the fixed scopes.</summary>
public abstract record SmartScope
{
    /// <summary>The scope exactly as the client asked for it.</summary>
    public required string Value { get; init; }

    public sealed override string ToString() => Value;
}

/// <summary><c>openid</c>, <c>fhirUser</c>, <c>launch/patient</c>, <c>offline_access</c> and the platform's own fixed scopes.</summary>
public sealed record SmartFixedScope : SmartScope;

/// <summary>
/// <c>{context}/{resource type or *}.{permissions}[?{parameter}={value}&amp;…]</c>: access of one kind to
/// one resource type (or all), in the patient, user or system context, optionally narrowed by
/// search parameters (HTI-1 granular scopes such as <c>patient/Observation.rs?category=laboratory</c>).
/// </summary>
public sealed record SmartResourceScope : SmartScope
{
    /// <summary>The resource type a wildcard scope names.</summary>
    public const string AnyResourceType = "*";

    public required SmartContext Context { get; init; }

    /// <summary>A FHIR resource type, or <see cref="AnyResourceType"/>.</summary>
    public required string ResourceType { get; init; }

    public required SmartPermissions Permissions { get; init; }

    public required SmartScopeSyntax Syntax { get; init; }

    /// <summary>Search parameters that narrow the scope (v2 only); empty when it is not narrowed.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Parameters { get; init; } = [];

    /// <summary>
    /// Resource types a wildcard does not reach: the audit log is granted only by a scope naming it
    /// (<c>user/AuditEvent.rs</c>), never by <c>user/*.rs</c>.
    /// </summary>
    public static IReadOnlySet<string> NamedOnlyResourceTypes { get; } = new HashSet<string>(StringComparer.Ordinal) { "AuditEvent" };

    public bool AppliesTo(string resourceType) =>
        string.Equals(ResourceType, resourceType, StringComparison.Ordinal)
        || (ResourceType == AnyResourceType && !NamedOnlyResourceTypes.Contains(resourceType));

    /// <summary>Whether every permission in <paramref name="permissions"/> is granted.</summary>
    public bool Allows(SmartPermissions permissions) => permissions != SmartPermissions.None && (Permissions & permissions) == permissions;
}
