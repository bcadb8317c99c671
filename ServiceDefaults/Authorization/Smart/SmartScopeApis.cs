namespace HealthPlatform.ServiceDefaults.Authorization.Smart;

/// <summary>
/// Which API (token audience) each scope is for — the table in docs/smart-scopes.md. A token is
/// issued with an audience for every API its granted scopes reach, and each API honours only the
/// scopes that are its own.
/// </summary>
public static class SmartScopeApis
{
    public const string Records = "records";
    public const string Consent = "consent";
    public const string Audit = "audit";
    public const string KeyManagement = "key-management";

    /// <summary>The identity service's own API (its admin API); the token audience for <see cref="IdentityAdministration"/>.</summary>
    public const string Identity = "identity";

    /// <summary>The platform's scope for the identity service's admin API (clients, users, roles, elevation, containment).</summary>
    public const string IdentityAdministration = "identity.admin";

    /// <summary>The platform's scope for key-management administration (rotation, minimum version, crypto-shredding).</summary>
    public const string KeyManagementAdministration = "key-management.admin";

    /// <summary>
    /// The APIs <paramref name="scope"/> reaches: <c>Consent</c> resources → consent;
    /// <c>AuditEvent</c> → audit; any other resource type → records; a wildcard (<c>patient/*.rs</c>)
    /// → records and consent, but not audit: reading the audit log always takes an AuditEvent scope
    /// by name. Fixed scopes (<c>openid</c>, <c>launch/patient</c>, …) reach no API but identity's own.
    /// </summary>
    public static IReadOnlyList<string> AudiencesFor(SmartScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        return scope switch
        {
            SmartResourceScope { ResourceType: SmartResourceScope.AnyResourceType } => [Records, Consent],
            SmartResourceScope { ResourceType: "Consent" } => [Consent],
            SmartResourceScope { ResourceType: "AuditEvent" } => [Audit],
            SmartResourceScope => [Records],
            { Value: KeyManagementAdministration } => [KeyManagement],
            { Value: IdentityAdministration } => [Identity],
            _ => [],
        };
    }

    /// <summary>The audiences of a token granting <paramref name="scopes"/> (as written; unparsable ones reach nothing), each once.</summary>
    public static IReadOnlyList<string> AudiencesFor(IEnumerable<string> scopes)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        return [.. scopes
            .Select(value => SmartScopeParser.TryParse(value, out var scope, out _) ? scope : null)
            .OfType<SmartScope>()
            .SelectMany(AudiencesFor)
            .Distinct(StringComparer.Ordinal)];
    }
}
