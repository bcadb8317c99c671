using System.Net;
using System.Security.Authentication;
using HealthPlatform.ServiceDefaults.Security;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace HealthPlatform.ServiceDefaults.Hosting;

internal static class KestrelExtensions
{
    /// <summary>
    /// Opens the service's listeners from <see cref="PlatformEndpointsOptions"/>: public and
    /// internal over TLS 1.2+ with the service's platform certificate, management over plain
    /// HTTP. Explicit listeners replace <c>ASPNETCORE_URLS</c>, so a service never listens
    /// anywhere it was not told to.
    /// </summary>
    public static IHostApplicationBuilder AddPlatformKestrel(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptionsWithValidateOnStart<PlatformEndpointsOptions>()
            .Bind(builder.Configuration.GetSection(PlatformEndpointsOptions.SectionName));
        builder.Services.AddSingleton<IValidateOptions<PlatformEndpointsOptions>, PlatformEndpointsOptionsValidator>();
        builder.Services.AddSingleton<PlatformListeners>();

        builder.Services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<PlatformEndpointsOptions>, PlatformCertificates, PlatformCertificateValidator>(
                (kestrel, endpoints, certificates, validator) => Configure(kestrel, endpoints.Value, certificates, validator));
        return builder;
    }

    private static void Configure(KestrelServerOptions kestrel, PlatformEndpointsOptions endpoints, PlatformCertificates certificates, PlatformCertificateValidator validator)
    {
        kestrel.AddServerHeader = false;
        kestrel.Limits.MaxRequestBodySize = endpoints.MaxRequestBodySize;

        var address = IPAddress.Parse(endpoints.BindAddress);
        if (endpoints.PublicPort is > 0 and var publicPort)
        {
            // Client certificates are allowed, not required, so certificate-bound tokens can be checked.
            kestrel.Listen(address, publicPort, listen => listen.UseHttps(Tls(certificates, validator, ClientCertificateMode.AllowCertificate)));
        }

        if (endpoints.InternalPort is > 0 and var internalPort)
        {
            // Require a client certificate that proves a platform identity: anyone else is refused
            // during the handshake, before any routing.
            kestrel.Listen(address, internalPort, listen => listen.UseHttps(Tls(certificates, validator, ClientCertificateMode.RequireCertificate)));
        }

        if (endpoints.ManagementPort is > 0 and var managementPort)
        {
            kestrel.Listen(address, managementPort, listen => listen.Protocols = HttpProtocols.Http1);
        }
    }

    private static HttpsConnectionAdapterOptions Tls(PlatformCertificates certificates, PlatformCertificateValidator validator, ClientCertificateMode mode) => new()
    {
        // Refuse anything older than TLS 1.2.
        SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        // Read per handshake, so a rotated certificate is served without a restart.
        ServerCertificateSelector = (_, _) => certificates.Current.Certificate,
        ClientCertificateMode = mode,
        // The platform CA decides, not the machine's trust store (the chain Kestrel built is ignored).
        ClientCertificateValidation = (certificate, _, _) => validator.ValidateClient(certificate) is not null,
    };
}
