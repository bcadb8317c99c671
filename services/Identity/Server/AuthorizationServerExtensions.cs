using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using HealthPlatform.Identity.Clients;
using HealthPlatform.Identity.Infrastructure;
using HealthPlatform.Identity.SigningKeys;
using HealthPlatform.ServiceDefaults.Authorization.Smart;
using HealthPlatform.ServiceDefaults.Health;
using HealthPlatform.ServiceDefaults.Hosting;
using HealthPlatform.ServiceDefaults.RateLimiting;
using Microsoft.Extensions.Options;
using OpenIddict.EntityFrameworkCore.Models;
using OpenIddict.Server;

namespace HealthPlatform.Identity.Server;

public static class AuthorizationServerExtensions
{
    private const string ClientAuthenticationUsage = "1.3.6.1.5.5.7.3.2";

    /// <summary>
    /// OpenIddict as the platform's authorization server, on the identity database: token,
    /// introspection and revocation endpoints, discovery and JWKS; signing keys from the key ring
    /// (rotated without a restart); JWT access tokens (<c>at+jwt</c>) with an audience per API;
    /// SMART scopes validated as grammar against each client's allowance. Its endpoints are
    /// answered inside authentication, so they are rate-limited before it (strict policy).
    /// </summary>
    public static IHostApplicationBuilder AddAuthorizationServer(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptionsWithValidateOnStart<AuthorizationServerOptions>()
            .Bind(builder.Configuration.GetSection(AuthorizationServerOptions.SectionName))
            .Validate(options => options.Issuer is { IsAbsoluteUri: true, Scheme: "https" }, "Identity:Issuer must be an https:// URL (the public endpoint).")
            .Validate(options => options.FhirBaseUrls.All(url => url is { IsAbsoluteUri: true, Scheme: "https" }), "Identity:FhirBaseUrls must be https:// URLs.")
            .Validate(options => options.RefreshTokenLifetime > TimeSpan.Zero && options.RefreshTokenLifetime <= TimeSpan.FromDays(30), "Identity:RefreshTokenLifetime must be positive and at most 30 days.")
            .Validate(options => options.MtlsBaseUri is null or { IsAbsoluteUri: true, Scheme: "https" }, "Identity:MtlsBaseUri must be an https:// URL (the mTLS listener as clients reach it).")
            .Validate(options => options.AccessTokenLifetime > TimeSpan.Zero && options.AccessTokenLifetime <= TimeSpan.FromHours(1), "Identity:AccessTokenLifetime must be positive and at most 1 hour.")
            .Validate(options => options.ClientAssertionMaxLifetime > TimeSpan.Zero && options.ClientAssertionMaxLifetime <= TimeSpan.FromMinutes(5), "Identity:ClientAssertionMaxLifetime must be positive and at most 5 minutes.");
        builder.Services.AddOptionsWithValidateOnStart<SigningKeyOptions>()
            .Bind(builder.Configuration.GetSection(SigningKeyOptions.SectionName))
            .Validate(options => TryProtectionKey(options), $"{SigningKeyOptions.SectionName}:ProtectionKey must be 32 bytes, base64.")
            .Validate(options => options.PrePublication > TimeSpan.Zero && options.Retention > TimeSpan.Zero && options.RotationPeriod > options.PrePublication,
                $"{SigningKeyOptions.SectionName}: PrePublication and Retention must be positive and RotationPeriod longer than PrePublication.");

        builder.Services.AddScoped<AuthorizationInteractions>();
        builder.Services.AddSingleton<SigningKeyRing>();
        builder.Services.AddSingleton<SigningKeyCache>();
        builder.Services.AddSingleton<IOptionsChangeTokenSource<OpenIddictServerOptions>>(services => services.GetRequiredService<SigningKeyCache>());
        builder.Services.AddSingleton<IConfigureOptions<OpenIddictServerOptions>, ConfigureSigningCredentials>();
        builder.Services.AddHostedService<SigningKeyMaintenance>();
        builder.Services.AddHealthChecks().AddCheck<SigningKeyHealthCheck>("signing-keys", tags: [HealthTags.Ready]);

        var settings = builder.Configuration.GetSection(AuthorizationServerOptions.SectionName).Get<AuthorizationServerOptions>() ?? new();
        builder.Services.AddOpenIddict()
            .AddCore(core =>
            {
                core.UseEntityFrameworkCore().UseDbContext<IdentityDbContext>();
                core.ReplaceApplicationManager<OpenIddictEntityFrameworkCoreApplication, ClientApplicationManager>();
            })
            .AddServer(server =>
            {
                if (settings.Issuer is not null)
                {
                    server.SetIssuer(settings.Issuer);
                }

                server.SetAuthorizationEndpointUris(IdentityEndpoints.Authorization)
                    .SetTokenEndpointUris(IdentityEndpoints.Token)
                    .SetIntrospectionEndpointUris(IdentityEndpoints.Introspection)
                    .SetRevocationEndpointUris(IdentityEndpoints.Revocation)
                    .SetUserInfoEndpointUris(IdentityEndpoints.UserInfo)
                    .SetEndSessionEndpointUris(IdentityEndpoints.EndSession)
                    .SetJsonWebKeySetEndpointUris(IdentityEndpoints.Jwks);

                // Code (with PKCE, S256 only), client credentials and refresh — no implicit, no password grant.
                server.AllowAuthorizationCodeFlow()
                    .AllowClientCredentialsFlow()
                    .AllowRefreshTokenFlow()
                    .RequireProofKeyForCodeExchange();
                server.Configure(options => options.CodeChallengeMethods.Remove(OpenIddict.Abstractions.OpenIddictConstants.CodeChallengeMethods.Plain));
                server.SetAccessTokenLifetime(settings.AccessTokenLifetime)
                    .SetRefreshTokenLifetime(settings.RefreshTokenLifetime);

                // Refresh tokens rotate; presenting a used one again revokes every token of its authorization.
                server.SetRefreshTokenReuseLeeway(null);

                // Client authentication: secrets, private_key_jwt (RS384/ES384, short-lived, never
                // replayed) and client certificates (RFC 8705), which bind the tokens issued with them.
                server.AddEventHandler(ClientAssertionRules.Descriptor);
                server.AddEventHandler(ClientAssertionRules.PlainJwtAsAssertion.Descriptor);
                server.AddEventHandler(ClientAuthenticationErrors<OpenIddictServerEvents.ApplyTokenResponseContext>.Descriptor);
                server.AddEventHandler(ClientAuthenticationErrors<OpenIddictServerEvents.ApplyIntrospectionResponseContext>.Descriptor);
                server.AddEventHandler(ClientAuthenticationErrors<OpenIddictServerEvents.ApplyRevocationResponseContext>.Descriptor);
                server.AddEventHandler(ClientCertificatesOnMtlsListenerOnly.Descriptor);
                server.AddEventHandler(ClientAssertionReplay.Descriptor);
                server.Configure(options =>
                {
                    // Trust anchors are filled per request by ClientApplicationManager (platform CA, or the client's own certificate).
                    options.PublicKeyInfrastructureTlsClientAuthenticationPolicy = ClientCertificatePolicy();
                    options.SelfSignedTlsClientAuthenticationPolicy = ClientCertificatePolicy();
                });
                server.UseClientCertificateBoundAccessTokens();
                if (settings.MtlsBaseUri is { } mtls)
                {
                    server.SetMtlsTokenEndpointAliasUri(IdentityEndpoints.At(mtls, IdentityEndpoints.Token))
                        .SetMtlsIntrospectionEndpointAliasUri(IdentityEndpoints.At(mtls, IdentityEndpoints.Introspection))
                        .SetMtlsRevocationEndpointAliasUri(IdentityEndpoints.At(mtls, IdentityEndpoints.Revocation));
                }

                // Services validate access tokens themselves from the JWKS: signed, not encrypted.
                server.DisableAccessTokenEncryption();

                // Scopes are a grammar, checked by SmartScopeValidation against each client's allowance.
                server.DisableScopeValidation();
                server.IgnoreScopePermissions();
                server.AddEventHandler<OpenIddictServerEvents.ValidateTokenRequestContext>(handler => handler.UseScopedHandler<SmartScopeValidation>());
                server.AddEventHandler<OpenIddictServerEvents.ValidateAuthorizationRequestContext>(handler => handler.UseScopedHandler<SmartScopeValidation>());
                server.AddEventHandler<OpenIddictServerEvents.ValidateAuthorizationRequestContext>(handler => handler.UseSingletonHandler<SmartAudienceValidation>());

                // The registry's word: disabled clients get nothing, third parties no PHI scope without a BAA.
                server.AddEventHandler<OpenIddictServerEvents.ValidateAuthorizationRequestContext>(handler => handler.UseScopedHandler<ClientStanding>());
                server.AddEventHandler<OpenIddictServerEvents.ValidateTokenRequestContext>(handler => handler.UseScopedHandler<ClientStanding>());
                server.AddEventHandler(LaunchContextInResponse.Descriptor);
                server.AddEventHandler(LaunchContextInIntrospection.Descriptor);
                server.AddEventHandler<OpenIddictServerEvents.HandleTokenRequestContext>(handler => handler.UseSingletonHandler<ClientCredentialsSignIn>());
                server.AddEventHandler(GrantedScopeInResponse.Descriptor);
                server.AddEventHandler(Revocations.AccessTokenRevokedEverywhere.Descriptor);
                server.AddEventHandler(TokenEndpointAudit<OpenIddictServerEvents.ApplyAuthorizationResponseContext>.Descriptor);
                server.AddEventHandler(TokenEndpointAudit<OpenIddictServerEvents.ApplyTokenResponseContext>.Descriptor);
                server.AddEventHandler(TokenEndpointAudit<OpenIddictServerEvents.ApplyIntrospectionResponseContext>.Descriptor);
                server.AddEventHandler(TokenEndpointAudit<OpenIddictServerEvents.ApplyRevocationResponseContext>.Descriptor);
                server.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough();
            })
            .AddValidation(validation =>
            {
                // The identity service's own API (admin): its tokens validated in process, against
                // the token entries too — a token revoked here is refused here at once.
                validation.UseLocalServer();
                validation.UseAspNetCore();
                validation.EnableTokenEntryValidation();
                validation.EnableAuthorizationEntryValidation();
                validation.AddAudiences(SmartScopeApis.Identity);
            });

        foreach (var path in new[] { IdentityEndpoints.Token, IdentityEndpoints.Introspection, IdentityEndpoints.Revocation })
        {
            builder.LimitBeforeAuthentication("/" + path, RateLimitingOptions.StrictPolicy);
            builder.ServeOnMtlsListener("/" + path);
        }

        foreach (var path in new[] { IdentityEndpoints.Authorization, IdentityEndpoints.UserInfo, IdentityEndpoints.EndSession })
        {
            builder.LimitBeforeAuthentication("/" + path, RateLimitingOptions.DefaultPolicy);
        }

        return builder;
    }

    private static X509ChainPolicy ClientCertificatePolicy() => new()
    {
        ApplicationPolicy = { new Oid(ClientAuthenticationUsage) },
        TrustMode = X509ChainTrustMode.CustomRootTrust,
        // Short-lived certificates without CRLs; and never fetch what a stranger's certificate points to.
        RevocationMode = X509RevocationMode.NoCheck,
        DisableCertificateDownloads = true,
    };

    private static bool TryProtectionKey(SigningKeyOptions options)
    {
        try
        {
            options.ProtectionKeyBytes();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
