using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using HealthPlatform.ServiceDefaults.Authorization.Smart;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HealthPlatform.Identity.Clients;

/// <summary>
/// A client as the admin API registers it — RFC 7591 client metadata names, plus the platform's
/// <c>third_party</c> flag — and as the development seed describes its demo clients. One place
/// turns it into OpenIddict's permissions, so both register clients the same way.
/// </summary>
public sealed partial record ClientRegistration
{
    public const string None = "none";
    public const string ClientSecretBasic = "client_secret_basic";
    public const string ClientSecretPost = "client_secret_post";
    public const string PrivateKeyJwt = "private_key_jwt";
    public const string TlsClientAuth = "tls_client_auth";

    private static readonly string[] AuthenticationMethods = [None, ClientSecretBasic, ClientSecretPost, PrivateKeyJwt, TlsClientAuth];
    private static readonly string[] Grants = [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken, GrantTypes.ClientCredentials];

    [JsonPropertyName("client_id")]
    public string? ClientId { get; init; }

    [JsonPropertyName("client_name")]
    public string? ClientName { get; init; }

    [JsonPropertyName("token_endpoint_auth_method")]
    public string? TokenEndpointAuthMethod { get; init; }

    [JsonPropertyName("grant_types")]
    public IReadOnlyList<string>? GrantTypeList { get; init; }

    [JsonPropertyName("redirect_uris")]
    public IReadOnlyList<string>? RedirectUris { get; init; }

    [JsonPropertyName("post_logout_redirect_uris")]
    public IReadOnlyList<string>? PostLogoutRedirectUris { get; init; }

    /// <summary>The client's allowance: SMART scopes, space-separated.</summary>
    [JsonPropertyName("scope")]
    public string? Scope { get; init; }

    /// <summary>The client's public keys (<c>private_key_jwt</c>; for <c>tls_client_auth</c>, its certificate's key).</summary>
    [JsonPropertyName("jwks")]
    public System.Text.Json.JsonElement? JwksDocument { get; init; }

    /// <summary>Set directly by the development seed (it reads keys from files, not JSON).</summary>
    [JsonIgnore]
    public JsonWebKeySet? KeySet { get; init; }

    /// <summary>The key set, from <see cref="KeySet"/> or parsed from <see cref="JwksDocument"/>; null when absent or not a JWK set.</summary>
    [JsonIgnore]
    public JsonWebKeySet? Jwks => KeySet ?? (JwksDocument is { ValueKind: System.Text.Json.JsonValueKind.Object } document ? TryParseKeySet(document.GetRawText()) : null);

    [JsonPropertyName("tls_client_auth_san_uri")]
    public string? TlsClientAuthSanUri { get; init; }

    /// <summary>Made outside the covered entity: consent screen, and PHI scopes only with a BAA on record.</summary>
    [JsonPropertyName("third_party")]
    public bool ThirdParty { get; init; }

    [JsonIgnore]
    public bool IsConfidential => TokenEndpointAuthMethod is not None;

    [JsonIgnore]
    public bool UsesSecret => TokenEndpointAuthMethod is ClientSecretBasic or ClientSecretPost;

    /// <summary>What is wrong with the registration, by field (RFC 7591 names); empty when it can be registered.</summary>
    public Dictionary<string, string[]> Problems()
    {
        var problems = new Dictionary<string, string[]>(StringComparer.Ordinal);
        void Add(string field, string problem) => problems[field] = [.. problems.GetValueOrDefault(field, []), problem];

        if (ClientId is null || !ClientIdFormat().IsMatch(ClientId))
        {
            Add("client_id", "Required: 3–64 characters, lower-case letters, digits, '.', '_' or '-', starting with a letter or digit.");
        }

        if (ClientName is not null && (ClientName.Length is 0 or > 100 || ClientName.Any(char.IsControl)))
        {
            Add("client_name", "At most 100 characters, without control characters.");
        }

        if (TokenEndpointAuthMethod is null || !AuthenticationMethods.Contains(TokenEndpointAuthMethod))
        {
            Add("token_endpoint_auth_method", $"Required: one of {string.Join(", ", AuthenticationMethods)}.");
        }

        var grants = GrantTypeList ?? [];
        if (grants.Count == 0 || grants.Any(grant => !Grants.Contains(grant)) || grants.Distinct().Count() != grants.Count)
        {
            Add("grant_types", $"Required: one or more of {string.Join(", ", Grants)}, each once.");
        }
        else if (grants.Contains(GrantTypes.RefreshToken) && !grants.Contains(GrantTypes.AuthorizationCode))
        {
            Add("grant_types", "refresh_token comes with authorization_code.");
        }
        else if (grants.Contains(GrantTypes.ClientCredentials) && !IsConfidential)
        {
            Add("grant_types", "client_credentials needs a client that authenticates (not 'none').");
        }

        var redirects = RedirectUris ?? [];
        if (grants.Contains(GrantTypes.AuthorizationCode) == (redirects.Count == 0))
        {
            Add("redirect_uris", "Required with authorization_code, and only then.");
        }

        foreach (var (field, uris) in new[] { ("redirect_uris", redirects), ("post_logout_redirect_uris", PostLogoutRedirectUris ?? []) })
        {
            if (uris.Count > 10 || uris.Any(uri => !IsHttpsWithoutFragment(uri)))
            {
                Add(field, "At most 10 absolute https:// URIs without a fragment.");
            }
        }

        if (!SmartScopeParser.TryParseList(Scope, out var scopes, out var scopeError))
        {
            Add("scope", scopeError);
        }
        else if (scopes.Count is 0 or > 50)
        {
            Add("scope", "Required: 1–50 SMART scopes, space-separated.");
        }
        else if (ThirdParty && scopes.Any(scope => scope.Value is SmartScopeApis.IdentityAdministration or SmartScopeApis.KeyManagementAdministration))
        {
            Add("scope", "A third-party client never gets the platform's administration scopes.");
        }

        var needsKeys = TokenEndpointAuthMethod is PrivateKeyJwt or TlsClientAuth;
        var keys = Jwks;
        if (needsKeys != (keys is { Keys.Count: > 0 }) || (JwksDocument is not null && keys is null))
        {
            Add("jwks", "Required with private_key_jwt and tls_client_auth (public keys), and only then.");
        }
        else if (keys is not null && keys.Keys.Any(key => key.HasPrivateKey || key.Kty is not ("RSA" or "EC")))
        {
            Add("jwks", "Public RSA or EC keys only: never send a private key.");
        }

        if ((TokenEndpointAuthMethod is TlsClientAuth) != (TlsClientAuthSanUri is not null)
            || (TlsClientAuthSanUri is not null && !Uri.TryCreate(TlsClientAuthSanUri, UriKind.Absolute, out _)))
        {
            Add("tls_client_auth_san_uri", "Required with tls_client_auth (an absolute URI the certificate names), and only then.");
        }

        return problems;
    }

    /// <summary>OpenIddict's description of the client: endpoints, grants, PKCE for code, scopes, keys and settings.</summary>
    public OpenIddictApplicationDescriptor Describe(string? clientSecret)
    {
        var grants = GrantTypeList ?? [];
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = ClientId,
            DisplayName = ClientName ?? ClientId,
            ClientType = IsConfidential ? ClientTypes.Confidential : ClientTypes.Public,
            ClientSecret = UsesSecret ? clientSecret ?? throw new ArgumentNullException(nameof(clientSecret)) : null,
            Permissions = { Permissions.Endpoints.Token },
            JsonWebKeySet = Jwks,
        };
        descriptor.Permissions.UnionWith(grants.Select(grant => Permissions.Prefixes.GrantType + grant));
        if (grants.Contains(GrantTypes.AuthorizationCode))
        {
            descriptor.Permissions.UnionWith([Permissions.Endpoints.Authorization, Permissions.Endpoints.EndSession, Permissions.ResponseTypes.Code]);
            descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
        }

        if (IsConfidential)
        {
            descriptor.Permissions.UnionWith([Permissions.Endpoints.Introspection, Permissions.Endpoints.Revocation]);
        }

        descriptor.Permissions.UnionWith((Scope ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(scope => Permissions.Prefixes.Scope + scope));
        descriptor.RedirectUris.UnionWith((RedirectUris ?? []).Select(uri => new Uri(uri)));
        descriptor.PostLogoutRedirectUris.UnionWith((PostLogoutRedirectUris ?? []).Select(uri => new Uri(uri)));
        if (TlsClientAuthSanUri is not null)
        {
            descriptor.Settings[ClientSettings.TlsClientAuthSanUri] = TlsClientAuthSanUri;
        }

        if (ThirdParty)
        {
            descriptor.Settings[ClientSettings.ThirdParty] = "true";
            descriptor.ConsentType = ConsentTypes.Explicit;
        }

        return descriptor;
    }

    private static JsonWebKeySet? TryParseKeySet(string json)
    {
        try
        {
            return new JsonWebKeySet(json);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static bool IsHttpsWithoutFragment(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps && string.IsNullOrEmpty(uri.Fragment) && string.IsNullOrEmpty(uri.UserInfo);

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{2,63}$")]
    private static partial Regex ClientIdFormat();
}
