using System.Net;

namespace HealthPlatform.ServiceDefaults.Hosting;

/// <summary>
/// The three listeners a service opens: public (HTTPS, client apps), internal (HTTPS,
/// service-to-service) and management (plain HTTP, health probes only). A port of 0 or an
/// absent port means "this service has no such listener".
/// </summary>
public sealed class PlatformEndpointsOptions
{
    public const string SectionName = "Endpoints";

    /// <summary>Address the listeners bind to: loopback unless set (a pod sets <c>0.0.0.0</c>).</summary>
    public string BindAddress { get; set; } = IPAddress.Loopback.ToString();

    public int? PublicPort { get; set; }

    public int? InternalPort { get; set; }

    public int? ManagementPort { get; set; }

    /// <summary>Largest request body accepted on any listener, in bytes.</summary>
    public long MaxRequestBodySize { get; set; } = 1024 * 1024;
}
