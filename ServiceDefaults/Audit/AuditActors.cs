using System.Net;
using System.Security.Claims;
using HealthPlatform.Contracts.Audit;
using HealthPlatform.ServiceDefaults.Security;
using Microsoft.AspNetCore.Http;

namespace HealthPlatform.ServiceDefaults.Audit;

/// <summary>
/// Builds the audit actor of a request from what authentication established — claims and the
/// client certificate — and the remote address. Values that could not stand in an audit event
/// (an id with spaces, a role in capitals) are left out rather than letting the event be refused:
/// the event matters more than one odd claim.
/// </summary>
public static class AuditActors
{
    private static readonly string[] SubjectClaims = ["sub", ClaimTypes.NameIdentifier];
    private static readonly string[] ClientClaims = ["client_id", "azp"];
    private static readonly string[] RoleClaims = ["role", ClaimTypes.Role];

    public static AuditActor FromRequest(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var user = context.User;
        var authenticated = user.Identity?.IsAuthenticated == true;
        var service = authenticated ? user.FindFirst(ServiceAuthentication.ServiceClaim)?.Value : null;
        return new AuditActor
        {
            UserId = authenticated ? First(user, SubjectClaims) : null,
            ClientId = authenticated ? First(user, ClientClaims) : null,
            Roles = authenticated
                ? [.. user.Claims.Where(claim => RoleClaims.Contains(claim.Type) && AuditEventSchema.IsRole(claim.Value)).Select(claim => claim.Value).Distinct(StringComparer.Ordinal)]
                : [],
            ServiceIdentity = service is null ? null : ServiceIdentity.UriOf(service),
            NetworkAddress = AddressOf(context.Connection.RemoteIpAddress),
        };
    }

    /// <summary>A platform service acting on its own (a scheduled job), as audit events name it.</summary>
    public static AuditActor OfService(string service) => new() { ServiceIdentity = ServiceIdentity.UriOf(service) };

    private static string? First(ClaimsPrincipal user, string[] types) =>
        types.Select(type => user.FindFirst(type)?.Value).FirstOrDefault(AuditEventSchema.IsIdentifier);

    /// <summary>An address as audit events carry it (IPv4-mapped IPv6 addresses as IPv4).</summary>
    public static string? AddressOf(IPAddress? address) =>
        address is null ? null : (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
}
