using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace HealthPlatform.ServiceDefaults.Security;

internal static class SecurityExtensions
{
    /// <summary>
    /// The service's certificate (reloaded when its files change), the validator that decides
    /// which peers are platform services, and authentication that denies by default: a route
    /// that does not say who may call it is closed to everyone.
    /// </summary>
    public static IHostApplicationBuilder AddPlatformSecurity(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptionsWithValidateOnStart<PlatformCertificateOptions>()
            .Bind(builder.Configuration.GetSection(PlatformCertificateOptions.SectionName));
        builder.Services.AddSingleton<IValidateOptions<PlatformCertificateOptions>, PlatformCertificateOptionsValidator>();
        builder.Services.AddSingleton<PlatformCertificates>();
        builder.Services.AddSingleton<PlatformCertificateValidator>();
        builder.Services.AddHostedService<CertificateReloader>();

        builder.Services.AddAuthentication(NoCredentialsAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, NoCredentialsAuthenticationHandler>(NoCredentialsAuthenticationHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, ServiceCertificateAuthenticationHandler>(ServiceAuthentication.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        return builder;
    }
}
