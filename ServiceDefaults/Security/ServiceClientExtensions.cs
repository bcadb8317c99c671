using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HealthPlatform.ServiceDefaults.Security;

public static class ServiceClientExtensions
{
    /// <summary>
    /// A typed HttpClient for calling <paramref name="service"/>'s internal endpoint (found through
    /// service discovery as <c>https://_internal.{service}</c>). It presents this service's
    /// certificate and accepts the callee only if its certificate chains to the platform CA and
    /// names <paramref name="service"/>: a different service, or anyone else, is refused.
    /// </summary>
    public static IHttpClientBuilder AddPlatformServiceClient<TClient>(this IHostApplicationBuilder builder, string service)
        where TClient : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Services
            .AddHttpClient<TClient>(client => client.BaseAddress = new Uri($"https://_{ResourceNames.Endpoints.Internal}.{service}"))
            .ConfigurePrimaryHttpMessageHandler(services =>
            {
                var certificates = services.GetRequiredService<PlatformCertificates>();
                var validator = services.GetRequiredService<PlatformCertificateValidator>();
                return new SocketsHttpHandler
                {
                    SslOptions = new SslClientAuthenticationOptions
                    {
                        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                        // Never fetch URLs named in the callee's certificate; the validator decides offline.
                        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                        // Read per connection, so a rotated certificate is presented without a restart.
                        LocalCertificateSelectionCallback = (_, _, _, _, _) => certificates.Current.Certificate,
                        RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                            certificate is X509Certificate2 callee && validator.ValidateServer(callee, service),
                    },
                };
            });
    }
}
