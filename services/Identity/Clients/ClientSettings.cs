namespace HealthPlatform.Identity.Clients;

/// <summary>
/// Per-client settings beyond OpenIddict's own, stored in the application's <c>Settings</c>. The
/// names are RFC 8705's client metadata: a <c>tls_client_auth</c> client names the certificate it
/// authenticates with by one of these, checked after the certificate chains to a trusted CA.
/// </summary>
public static class ClientSettings
{
    /// <summary>A URI the certificate's subject alternative names must contain (a SPIFFE id for platform services).</summary>
    public const string TlsClientAuthSanUri = "tls_client_auth_san_uri";

    /// <summary>The certificate's exact subject distinguished name (RFC 4514 form, as .NET writes it).</summary>
    public const string TlsClientAuthSubjectDn = "tls_client_auth_subject_dn";
}
