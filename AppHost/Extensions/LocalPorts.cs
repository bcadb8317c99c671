namespace HealthPlatform.AppHost.Extensions;

/// <summary>
/// Stand-ins for ports in a local server's command line or environment, written before the
/// orchestrator has allocated the ports and replaced by them when the server starts.
/// </summary>
internal static class LocalPorts
{
    public static string Placeholder(string endpointName) => $"{{port:{endpointName}}}";
}
