using System.Text.Json.Serialization;

namespace HealthPlatform.ServiceDefaults.Authorization.Smart;

/// <summary>
/// The SMART App Launch 2.x discovery document (<c>.well-known/smart-configuration</c>) that each
/// FHIR base serves, describing the identity service. Produced in one place, from the identity
/// service's paths, so that the servers and the document cannot drift apart.
/// </summary>
public sealed record SmartConfiguration
{
    [JsonPropertyName("issuer")]
    public required string Issuer { get; init; }

    [JsonPropertyName("jwks_uri")]
    public required string JwksUri { get; init; }

    [JsonPropertyName("authorization_endpoint")]
    public required string AuthorizationEndpoint { get; init; }

    [JsonPropertyName("token_endpoint")]
    public required string TokenEndpoint { get; init; }

    [JsonPropertyName("introspection_endpoint")]
    public required string IntrospectionEndpoint { get; init; }

    [JsonPropertyName("revocation_endpoint")]
    public required string RevocationEndpoint { get; init; }

    [JsonPropertyName("userinfo_endpoint")]
    public required string UserInfoEndpoint { get; init; }

    [JsonPropertyName("grant_types_supported")]
    public IReadOnlyList<string> GrantTypesSupported { get; init; } = ["authorization_code", "client_credentials", "refresh_token"];

    [JsonPropertyName("response_types_supported")]
    public IReadOnlyList<string> ResponseTypesSupported { get; init; } = ["code"];

    [JsonPropertyName("code_challenge_methods_supported")]
    public IReadOnlyList<string> CodeChallengeMethodsSupported { get; init; } = ["S256"];

    [JsonPropertyName("token_endpoint_auth_methods_supported")]
    public IReadOnlyList<string> TokenEndpointAuthMethodsSupported { get; init; } =
        ["client_secret_basic", "client_secret_post", "private_key_jwt", "tls_client_auth", "self_signed_tls_client_auth"];

    [JsonPropertyName("token_endpoint_auth_signing_alg_values_supported")]
    public IReadOnlyList<string> TokenEndpointAuthSigningAlgValuesSupported { get; init; } = ["RS384", "ES384"];

    [JsonPropertyName("scopes_supported")]
    public IReadOnlyList<string> ScopesSupported { get; init; } =
    [
        "openid", "fhirUser", "profile", "launch/patient", "offline_access",
        "patient/*.rs", "user/*.rs", "system/*.rs", "patient/*.cruds", "user/*.cruds",
    ];

    [JsonPropertyName("capabilities")]
    public IReadOnlyList<string> Capabilities { get; init; } =
    [
        "launch-standalone", "client-public", "client-confidential-symmetric", "client-confidential-asymmetric",
        "context-standalone-patient", "permission-offline", "permission-patient", "permission-user",
        "permission-v1", "permission-v2", "sso-openid-connect",
    ];

    /// <summary>RFC 8705 §5: the token endpoint where clients authenticate with their certificate (port 5011 in development).</summary>
    [JsonPropertyName("mtls_endpoint_aliases")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? MtlsEndpointAliases { get; init; }

    /// <summary>The document for an identity service at <paramref name="issuer"/>, with its mTLS alias base if it has one.</summary>
    public static SmartConfiguration For(Uri issuer, Uri? mtlsBase = null)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        static string At(Uri root, string path) => IdentityEndpoints.At(root, path).AbsoluteUri;
        return new SmartConfiguration
        {
            Issuer = issuer.AbsoluteUri,
            JwksUri = At(issuer, IdentityEndpoints.Jwks),
            AuthorizationEndpoint = At(issuer, IdentityEndpoints.Authorization),
            TokenEndpoint = At(issuer, IdentityEndpoints.Token),
            IntrospectionEndpoint = At(issuer, IdentityEndpoints.Introspection),
            RevocationEndpoint = At(issuer, IdentityEndpoints.Revocation),
            UserInfoEndpoint = At(issuer, IdentityEndpoints.UserInfo),
            MtlsEndpointAliases = mtlsBase is null ? null : new Dictionary<string, string>
            {
                ["token_endpoint"] = At(mtlsBase, IdentityEndpoints.Token),
                ["introspection_endpoint"] = At(mtlsBase, IdentityEndpoints.Introspection),
                ["revocation_endpoint"] = At(mtlsBase, IdentityEndpoints.Revocation),
            },
        };
    }
}

/// <summary>The identity service's endpoint paths (relative to its issuer), shared by the server and every discovery document.</summary>
public static class IdentityEndpoints
{
    public const string Authorization = "connect/authorize";
    public const string Token = "connect/token";
    public const string Introspection = "connect/introspect";
    public const string Revocation = "connect/revoke";
    public const string UserInfo = "connect/userinfo";
    public const string EndSession = "connect/logout";
    public const string Jwks = ".well-known/jwks";

    /// <summary>The absolute URL of <paramref name="path"/> under <paramref name="root"/>, taken as a folder (an issuer with a path keeps it).</summary>
    public static Uri At(Uri root, string path)
    {
        ArgumentNullException.ThrowIfNull(root);
        return new Uri(root.AbsoluteUri.EndsWith('/') ? root : new Uri(root.AbsoluteUri + "/"), path);
    }
}
