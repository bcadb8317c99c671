using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace HealthPlatform.ServiceDefaults.Security;

public static class WhoAmIEndpoints
{
    public const string Path = "/internal/whoami";

    /// <summary>
    /// <c>GET /internal/whoami</c> on the internal listener: the identity this service sees in
    /// the caller's certificate. Any platform identity may ask; it reveals nothing else.
    /// </summary>
    internal static IEndpointRouteBuilder MapWhoAmI(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Path, WhoAmI)
            .RequireAnyService()
            .WithName("WhoAmI")
            .WithSummary("The calling service's identity, as proven by its client certificate.");
        return endpoints;
    }

    private static Ok<CallerIdentity> WhoAmI(HttpContext context) => TypedResults.Ok(new CallerIdentity(
        context.User.FindFirst(ServiceAuthentication.ServiceClaim)!.Value,
        context.Connection.ClientCertificate!.Thumbprint));
}
