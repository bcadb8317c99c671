using System.Net;
using System.Security.Authentication;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace HealthPlatform.ServiceDefaults.Hosting;

internal static class KestrelExtensions
{
    /// <summary>
    /// Opens the service's listeners from <see cref="PlatformEndpointsOptions"/>: public and
    /// internal over TLS 1.2+, management over plain HTTP. Explicit listeners replace
    /// <c>ASPNETCORE_URLS</c>, so a service never listens anywhere it was not told to.
    /// </summary>
    public static IHostApplicationBuilder AddPlatformKestrel(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptionsWithValidateOnStart<PlatformEndpointsOptions>()
            .Bind(builder.Configuration.GetSection(PlatformEndpointsOptions.SectionName));
        builder.Services.AddSingleton<IValidateOptions<PlatformEndpointsOptions>, PlatformEndpointsOptionsValidator>();
        builder.Services.AddSingleton<PlatformListeners>();

        builder.Services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<PlatformEndpointsOptions>>((kestrel, endpoints) => Configure(kestrel, endpoints.Value));
        return builder;
    }

    private static void Configure(KestrelServerOptions kestrel, PlatformEndpointsOptions endpoints)
    {
        kestrel.AddServerHeader = false;
        kestrel.Limits.MaxRequestBodySize = endpoints.MaxRequestBodySize;

        // Refuse anything older than TLS 1.2 on every HTTPS listener.
        kestrel.ConfigureHttpsDefaults(https => https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13);

        var address = IPAddress.Parse(endpoints.BindAddress);
        if (endpoints.PublicPort is > 0 and var publicPort)
        {
            kestrel.Listen(address, publicPort, listen => listen.UseHttps());
        }

        if (endpoints.InternalPort is > 0 and var internalPort)
        {
            kestrel.Listen(address, internalPort, listen => listen.UseHttps());
        }

        if (endpoints.ManagementPort is > 0 and var managementPort)
        {
            kestrel.Listen(address, managementPort, listen => listen.Protocols = HttpProtocols.Http1);
        }
    }
}
