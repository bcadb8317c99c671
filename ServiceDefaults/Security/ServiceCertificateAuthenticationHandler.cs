using System.Security.Claims;
using System.Text.Encodings.Web;
using HealthPlatform.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HealthPlatform.ServiceDefaults.Security;

/// <summary>
/// Turns the client certificate of a connection on the internal listener into a principal with
/// the caller's service name. The handshake already refused any certificate that does not prove
/// a platform identity; the check is repeated on every request, because a kept-alive connection
/// outlives its certificate's expiry or a change of CA.
/// </summary>
internal sealed class ServiceCertificateAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    PlatformListeners listeners,
    PlatformCertificateValidator validator) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var certificate = Context.Connection.ClientCertificate;
        if (certificate is null || listeners.NameOf(Context.Connection.LocalPort) != ResourceNames.Endpoints.Internal)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var service = validator.ValidateClient(certificate);
        if (service is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("The client certificate no longer proves a platform service."));
        }

        var identity = new ClaimsIdentity(
            [new Claim(ServiceAuthentication.ServiceClaim, service), new Claim(ClaimTypes.Thumbprint, certificate.Thumbprint)],
            ServiceAuthentication.SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), ServiceAuthentication.SchemeName)));
    }
}
