using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
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
            // Client certificates are allowed, not required, so that tokens bound to them (RFC 8705)
            // can be checked; apps may use self-signed ones, so no CA is demanded here.
            kestrel.Listen(address, publicPort, listen => listen.UseHttps(Tls(
                certificates, ClientCertificateMode.AllowCertificate, validator.ValidatePublicClient)));
        }

        if (endpoints.InternalPort is > 0 and var internalPort)
        {
            // Require a client certificate that proves a platform identity: anyone else is refused
            // during the handshake, before any routing.
            kestrel.Listen(address, internalPort, listen => listen.UseHttps(Tls(
                certificates, ClientCertificateMode.RequireCertificate, certificate => validator.ValidateClient(certificate) is not null)));
        }

        if (endpoints.MtlsPort is > 0 and var mtlsPort)
        {
            // Client apps authenticate with their certificate (RFC 8705): one is required, and it may
            // be self-signed, so here only its validity is checked. Which client it proves — by the
            // platform CA and its registered subject, or as the self-signed certificate it registered —
            // the authorization server decides per client.
            kestrel.Listen(address, mtlsPort, listen => listen.UseHttps(Tls(
                certificates, ClientCertificateMode.RequireCertificate, validator.ValidatePublicClient)));
        }

        if (endpoints.ManagementPort is > 0 and var managementPort)
        {
            kestrel.Listen(address, managementPort, listen => listen.Protocols = HttpProtocols.Http1);
        }
    }

    private static HttpsConnectionAdapterOptions Tls(
        PlatformCertificates certificates, ClientCertificateMode mode, Func<X509Certificate2, bool> validateClient) => new()
    {
        // Refuse anything older than TLS 1.2.
        SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        // Read per handshake, so a rotated certificate is served without a restart.
        ServerCertificateSelector = (_, _) => certificates.Current.Certificate,
        ClientCertificateMode = mode,
        // No online revocation check: it would fetch URLs named in a stranger's certificate.
        CheckCertificateRevocation = false,
        // Our validator decides (platform CA, not the machine's trust store); the chain Kestrel built is ignored.
        ClientCertificateValidation = (certificate, _, _) => validateClient(certificate),
    };
}
