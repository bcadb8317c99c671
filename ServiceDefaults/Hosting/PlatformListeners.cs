using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace HealthPlatform.ServiceDefaults.Hosting;

/// <summary>Tells which listener (public, internal, management, mTLS) a local port belongs to.</summary>
public sealed class PlatformListeners(IOptions<PlatformEndpointsOptions> options)
{
    public string? NameOf(int localPort)
    {
        var endpoints = options.Value;
        if (localPort == endpoints.ManagementPort)
        {
            return ResourceNames.Endpoints.Management;
        }

        if (localPort == endpoints.InternalPort)
        {
            return ResourceNames.Endpoints.Internal;
        }

        if (localPort == endpoints.MtlsPort)
        {
            return ResourceNames.Endpoints.Mtls;
        }

        return localPort == endpoints.PublicPort ? ResourceNames.Endpoints.Public : null;
    }

    /// <summary>Whether the mTLS listener serves <paramref name="path"/> (one of identity's mTLS endpoint aliases).</summary>
    public bool ServedOnMtls(PathString path) => path.HasValue && options.Value.MtlsPaths.Contains(path.Value!.TrimEnd('/'));
}
