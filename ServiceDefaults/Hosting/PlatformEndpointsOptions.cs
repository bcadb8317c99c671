using System.Net;

namespace HealthPlatform.ServiceDefaults.Hosting;

/// <summary>
/// The listeners a service opens: public (HTTPS, client apps), internal (HTTPS,
/// service-to-service), management (plain HTTP, health probes only) and — the identity service
/// only — mTLS (HTTPS with a client certificate required, for OAuth mTLS client authentication,
/// RFC 8705). A port of 0 or an absent port means "this service has no such listener".
/// </summary>
public sealed class PlatformEndpointsOptions
{
    public const string SectionName = "Endpoints";

    /// <summary>Address the listeners bind to: loopback unless set (a pod sets <c>0.0.0.0</c>).</summary>
    public string BindAddress { get; set; } = IPAddress.Loopback.ToString();

    public int? PublicPort { get; set; }

    public int? InternalPort { get; set; }

    public int? ManagementPort { get; set; }

    /// <summary>
    /// Client apps' mutual-TLS listener: a client certificate is required, and only the paths
    /// registered with <c>ServeOnMtlsListener</c> answer there (identity's mTLS endpoint aliases).
    /// </summary>
    public int? MtlsPort { get; set; }

    /// <summary>The paths the mTLS listener serves (exact, case-insensitive); set by <c>ServeOnMtlsListener</c>.</summary>
    internal HashSet<string> MtlsPaths { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Largest request body accepted on any listener, in bytes.</summary>
    public long MaxRequestBodySize { get; set; } = 1024 * 1024;
}
