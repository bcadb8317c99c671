namespace HealthPlatform.ServiceDefaults.Security;

/// <summary>Names for the identity of a calling service, proven by its client certificate.</summary>
public static class ServiceAuthentication
{
    /// <summary>The authentication scheme for calls on the internal listener.</summary>
    public const string SchemeName = "PlatformService";

    /// <summary>The claim carrying the caller's service name (from its SPIFFE URI).</summary>
    public const string ServiceClaim = "platform_service";
}
