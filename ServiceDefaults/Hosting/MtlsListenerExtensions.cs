using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HealthPlatform.ServiceDefaults.Hosting;

public static class MtlsListenerExtensions
{
    /// <summary>
    /// Serves <paramref name="path"/> on the mTLS listener (<c>Endpoints:MtlsPort</c>) as well as on
    /// the public one: for endpoints a handler answers inside authentication (OpenIddict's token,
    /// introspection and revocation endpoints), which have no route to carry a listener mark.
    /// Everything else answers 404 there.
    /// </summary>
    public static IHostApplicationBuilder ServeOnMtlsListener(this IHostApplicationBuilder builder, string path)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!path.StartsWith('/'))
        {
            throw new ArgumentException("The path must start with '/'.", nameof(path));
        }

        builder.Services.Configure<PlatformEndpointsOptions>(options => options.MtlsPaths.Add(path.Length > 1 ? path.TrimEnd('/') : path));
        return builder;
    }
}
