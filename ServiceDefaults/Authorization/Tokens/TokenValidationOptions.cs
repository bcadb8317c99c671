namespace HealthPlatform.ServiceDefaults.Authorization.Tokens;

/// <summary>How a service validates access tokens (section <c>TokenValidation</c>).</summary>
public sealed class TokenValidationOptions
{
    public const string SectionName = "TokenValidation";

    /// <summary>The identity service's issuer URL (e.g. <c>https://localhost:5001/</c>); tokens must name exactly this issuer.</summary>
    public Uri? Authority { get; set; }

    /// <summary>Where to read the discovery document; default <c>{Authority}/.well-known/openid-configuration</c>.</summary>
    public Uri? MetadataAddress { get; set; }

    /// <summary>This API's audience; default the service's own name (from its certificate), e.g. <c>records</c>.</summary>
    public string? Audience { get; set; }

    /// <summary>The platform identity the metadata server's certificate must name.</summary>
    public string IdentityService { get; set; } = ResourceNames.Identity;

    /// <summary>
    /// How often discovery and JWKS are read again unprompted. The identity service publishes a new
    /// signing key at least this long before it signs with it, so validators know it in time.
    /// </summary>
    public TimeSpan KeyRefreshInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The shortest time between two extra reads prompted by a token naming an unknown key (so random key ids cannot flood the identity service).</summary>
    public TimeSpan UnknownKeyRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Tolerance for clocks that disagree; access tokens are short-lived, so this is small.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);
}
