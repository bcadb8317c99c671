using Microsoft.Extensions.Options;

namespace HealthPlatform.ServiceDefaults.Hosting;

/// <summary>Tells which listener (public, internal, management) a local port belongs to.</summary>
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

        return localPort == endpoints.PublicPort ? ResourceNames.Endpoints.Public : null;
    }
}
