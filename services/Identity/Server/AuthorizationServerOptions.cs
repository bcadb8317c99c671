using HealthPlatform.ServiceDefaults.Authorization.Smart;

namespace HealthPlatform.Identity.Server;

/// <summary>The authorization server's settings (section <c>Identity</c>).</summary>
public sealed class AuthorizationServerOptions
{
    public const string SectionName = "Identity";

    /// <summary>The issuer URL tokens name and every service validates against (the public endpoint).</summary>
    public Uri? Issuer { get; set; }

    /// <summary>
    /// The base URL of the mutual-TLS listener (<c>Endpoints:MtlsPort</c>) as clients reach it:
    /// discovery advertises the token, introspection and revocation endpoints there as
    /// <c>mtls_endpoint_aliases</c> (RFC 8705). Unset: no aliases are advertised.
    /// </summary>
    public Uri? MtlsBaseUri { get; set; }

    /// <summary>
    /// The FHIR base URLs of this platform (records, consent, audit) as apps reach them: an
    /// authorization request's SMART <c>aud</c> must be one of them.
    /// </summary>
    public IList<Uri> FhirBaseUrls { get; } = [];

    /// <summary>How long a refresh token lives; each use replaces it (rotation), a reuse revokes its family.</summary>
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>Access tokens are short-lived: revocation by expiry is the backstop.</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How far ahead a client assertion's <c>exp</c> may be (SMART Backend Services: five minutes).</summary>
    public TimeSpan ClientAssertionMaxLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The token endpoint's URLs: the audiences a client assertion may name besides the issuer.</summary>
    internal IEnumerable<Uri> TokenEndpoints()
    {
        foreach (var baseUri in new[] { Issuer, MtlsBaseUri }.OfType<Uri>())
        {
            yield return IdentityEndpoints.At(baseUri, IdentityEndpoints.Token);
        }
    }
}
