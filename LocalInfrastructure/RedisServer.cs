using System.Globalization;

namespace HealthPlatform.LocalInfrastructure;

/// <summary>
/// A redis-server for local runs and tests: loopback only, password required, nothing persisted
/// (it holds rate-limit counters and caches, which are rebuilt). The password goes into a config
/// file only its owner can read, not onto the command line where <c>ps</c> would show it.
/// </summary>
public static class RedisServer
{
    public static ProcessCommand Command(string rootDirectory, int port, string password)
    {
        Directory.CreateDirectory(rootDirectory);
        var configFile = Path.Combine(rootDirectory, "redis.conf");
        var config = string.Join('\n',
            "bind 127.0.0.1",
            string.Create(CultureInfo.InvariantCulture, $"port {port}"),
            "protected-mode yes",
            "save \"\"",
            "appendonly no",
            $"dir {rootDirectory}",
            $"requirepass {password}");
        Secrets.WriteOwnerOnly(configFile, config + "\n");
        return new ProcessCommand(Executables.Find("redis-server", "redis-server"), [configFile]);
    }
}
