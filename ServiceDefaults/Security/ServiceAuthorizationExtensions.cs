using HealthPlatform.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Builder;

namespace HealthPlatform.ServiceDefaults.Security;

public static class ServiceAuthorizationExtensions
{
    /// <summary>
    /// Serves the route on the internal listener only, to callers whose client certificate
    /// names one of <paramref name="services"/> (for example <c>RequireService("records")</c>).
    /// Any other platform identity gets 403.
    /// </summary>
    public static TBuilder RequireService<TBuilder>(this TBuilder builder, params string[] services)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentOutOfRangeException.ThrowIfZero(services.Length);
        return builder
            .WithMetadata(new ListenerMetadata(ResourceNames.Endpoints.Internal))
            .RequireAuthorization(policy => policy
                .AddAuthenticationSchemes(ServiceAuthentication.SchemeName)
                .RequireClaim(ServiceAuthentication.ServiceClaim, services));
    }

    /// <summary>Serves the route on the internal listener to any caller with a platform identity.</summary>
    public static TBuilder RequireAnyService<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder
            .WithMetadata(new ListenerMetadata(ResourceNames.Endpoints.Internal))
            .RequireAuthorization(policy => policy
                .AddAuthenticationSchemes(ServiceAuthentication.SchemeName)
                .RequireClaim(ServiceAuthentication.ServiceClaim));
    }
}
