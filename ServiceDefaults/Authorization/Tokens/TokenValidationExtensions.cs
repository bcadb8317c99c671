using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using HealthPlatform.ServiceDefaults.Authorization.Smart;
using HealthPlatform.ServiceDefaults.Security;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace HealthPlatform.ServiceDefaults.Authorization.Tokens;

public static class TokenValidationExtensions
{
    /// <summary>The authentication scheme for access tokens.</summary>
    public const string SchemeName = JwtBearerDefaults.AuthenticationScheme;

    /// <summary>Asymmetric algorithms only: a token "signed" with <c>none</c> or an HMAC over the public key is refused.</summary>
    private static readonly string[] SigningAlgorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSsaPssSha256,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384,
    ];

    /// <summary>
    /// Accepts access tokens from the identity service: issuer, signature (keys from its JWKS, read
    /// every <c>KeyRefreshInterval</c> and again — at most every <c>UnknownKeyRefreshInterval</c> —
    /// when a token names a key not yet seen), this API's audience, lifetime,
    /// token type <c>at+jwt</c> (RFC 9068: an ID token is no access token), and for certificate-bound
    /// tokens the client certificate of the connection (RFC 8705). Then the revocation list. Routes
    /// opt in with <see cref="RequireAccessToken{TBuilder}"/>; errors answer 401 with
    /// <c>WWW-Authenticate: Bearer error="invalid_token"</c>, and are audited like every denial.
    /// </summary>
    public static IHostApplicationBuilder AddPlatformTokenValidation(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptionsWithValidateOnStart<TokenValidationOptions>()
            .Bind(builder.Configuration.GetSection(TokenValidationOptions.SectionName))
            .Validate(options => options.Authority is { Scheme: "https", IsAbsoluteUri: true }, "TokenValidation:Authority must be an https:// URL (the identity service's issuer).")
            .Validate(options => options.MetadataAddress is null || options.MetadataAddress.Scheme == "https", "TokenValidation:MetadataAddress must be an https:// URL.")
            .Validate(options => options.ClockSkew >= TimeSpan.Zero && options.ClockSkew <= TimeSpan.FromMinutes(2), "TokenValidation:ClockSkew must be between 0 and 2 minutes.")
            // IdentityModel refuses automatic refresh intervals under 5 minutes (and would fail only at the first request).
            .Validate(options => options.UnknownKeyRefreshInterval >= TimeSpan.FromSeconds(1) && options.KeyRefreshInterval >= TimeSpan.FromMinutes(5),
                "TokenValidation:UnknownKeyRefreshInterval must be at least 1 s and KeyRefreshInterval at least 5 minutes.")
            .Validate<PlatformCertificates>(
                (options, certificates) => options.Audience is not null || ServiceIdentity.FromCertificate(certificates.Current.Certificate) is not null,
                "TokenValidation:Audience is not set and the service certificate names no platform identity to use instead.");
        builder.Services.TryAddSingleton<IAccessTokenRevocations, NoAccessTokenRevocations>();
        builder.Services.AddSingleton<IAuthorizationHandler, SmartScopeAuthorizationHandler>();
        builder.Services.AddSingleton<IAuthorizationMiddlewareResultHandler, InsufficientScopeResultHandler>();
        builder.Services.AddAuthentication().AddJwtBearer(SchemeName, _ => { });
        builder.Services.AddOptions<JwtBearerOptions>(SchemeName)
            .Configure<IOptions<TokenValidationOptions>, PlatformCertificates, PlatformCertificateValidator>(Configure);
        return builder;
    }

    /// <summary>Serves the route on the public listener to callers with a valid access token for this API.</summary>
    public static TBuilder RequireAccessToken<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.RequireAuthorization(policy => policy.AddAuthenticationSchemes(SchemeName).RequireAuthenticatedUser());
    }

    /// <summary>
    /// Serves the route to callers whose access token holds a SMART scope reaching
    /// <paramref name="resourceType"/> with <paramref name="permissions"/> (e.g. <c>user/Observation.rs</c>
    /// or <c>patient/*.cruds</c> for a read); otherwise 403 with <c>error="insufficient_scope"</c>.
    /// </summary>
    public static TBuilder RequireSmartScope<TBuilder>(this TBuilder builder, string resourceType, SmartPermissions permissions, bool acceptsNarrowedScopes = false)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.RequireAuthorization(policy => policy
            .AddAuthenticationSchemes(SchemeName)
            .RequireAuthenticatedUser()
            .AddRequirements(new SmartScopeRequirement(resourceType, permissions, acceptsNarrowedScopes)));
    }

    private static void Configure(JwtBearerOptions bearer, IOptions<TokenValidationOptions> settings, PlatformCertificates certificates, PlatformCertificateValidator validator)
    {
        var options = settings.Value;
        var authority = options.Authority!;
        var issuer = authority.AbsoluteUri.TrimEnd('/');
        bearer.Authority = issuer;
        bearer.MetadataAddress = (options.MetadataAddress ?? new Uri(issuer + "/.well-known/openid-configuration")).AbsoluteUri;
        bearer.RequireHttpsMetadata = true;
        bearer.MapInboundClaims = false;
        bearer.IncludeErrorDetails = true;
        bearer.RefreshOnIssuerKeyNotFound = true;
        bearer.AutomaticRefreshInterval = options.KeyRefreshInterval;
        bearer.RefreshInterval = options.UnknownKeyRefreshInterval;
        bearer.Events = new AccessTokenEvents();

        // Discovery and JWKS come from the identity service only: its certificate must name it.
        bearer.BackchannelHttpHandler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                    certificate is X509Certificate2 server && validator.ValidateServer(server, options.IdentityService),
            },
        };

        bearer.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuers = [issuer, issuer + "/"],
            ValidAudience = options.Audience ?? ServiceIdentity.FromCertificate(certificates.Current.Certificate),
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            ValidateIssuerSigningKey = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidTypes = ["at+jwt", "application/at+jwt"],
            ValidAlgorithms = SigningAlgorithms,
            ClockSkew = options.ClockSkew,
            NameClaimType = "sub",
            RoleClaimType = "role",
        };
    }
}
