namespace HealthPlatform.Identity.Clients;

/// <summary>
/// Per-client settings beyond OpenIddict's own, stored in the application's <c>Settings</c>. The
/// names are RFC 8705's client metadata: a <c>tls_client_auth</c> client names the certificate it
/// authenticates with, checked after the certificate chains to the platform CA.
/// </summary>
public static class ClientSettings
{
    /// <summary>
    /// A URI the certificate's subject alternative names must contain (a SPIFFE id for platform
    /// services). RFC 8705's <c>tls_client_auth_subject_dn</c> is deliberately not offered: a
    /// subject name is free text, and this platform never takes identity from it.
    /// </summary>
    public const string TlsClientAuthSanUri = "tls_client_auth_san_uri";

    /// <summary>
    /// <c>true</c> for an app made by someone outside the covered entity: the user approves its
    /// scopes on a consent screen, and it gets PHI scopes only with a Business Associate Agreement on record.
    /// </summary>
    public const string ThirdParty = "hp_third_party";

    /// <summary><c>true</c> once an administrator disabled the client: it gets no token, and what it had was revoked.</summary>
    public const string Disabled = "hp_disabled";

    public static bool IsSet(System.Collections.Immutable.ImmutableDictionary<string, string> settings, string name) =>
        settings.TryGetValue(name, out var value) && string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);
}
