using HealthPlatform.ServiceDefaults;
using HealthPlatform.ServiceDefaults.Hosting;
using Microsoft.AspNetCore;
using OpenIddict.Server;

namespace HealthPlatform.Identity.Clients;

/// <summary>
/// Client certificates authenticate clients and bind tokens only on the mTLS listener. The public
/// listener allows a certificate too (so services can check bound tokens), and OpenIddict would
/// otherwise use one presented there: a client whose HTTP stack happens to send a certificate
/// would then be judged by it. On the public listener the token, introspection and revocation
/// endpoints ignore it.
/// </summary>
internal sealed class ClientCertificatesOnMtlsListenerOnly(PlatformListeners listeners) : IOpenIddictServerHandler<OpenIddictServerEvents.ProcessAuthenticationContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor
        .CreateBuilder<OpenIddictServerEvents.ProcessAuthenticationContext>()
        .UseSingletonHandler<ClientCertificatesOnMtlsListenerOnly>()
        .SetOrder(int.MinValue + 1_000)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(OpenIddictServerEvents.ProcessAuthenticationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.EndpointType is OpenIddictServerEndpointType.Token or OpenIddictServerEndpointType.Introspection or OpenIddictServerEndpointType.Revocation
            && context.Transaction.GetHttpRequest() is { } request
            && listeners.NameOf(request.HttpContext.Connection.LocalPort) != ResourceNames.Endpoints.Mtls)
        {
            context.Transaction.RemoteCertificate = null;
        }

        return ValueTask.CompletedTask;
    }
}
