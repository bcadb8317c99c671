namespace HealthPlatform.LocalInfrastructure;

/// <summary>
/// A redis-server for local runs and tests: loopback only, password required, nothing persisted
/// (it holds rate-limit counters and caches, which are rebuilt). The password goes into a config
/// file only its owner can read, not onto the command line where <c>ps</c> would show it.
/// </summary>
public static class RedisServer
{
    /// <param name="port">The TCP port, as the text to pass on the command line.</param>
    public static ProcessCommand Command(string rootDirectory, string port) =>
        new(Executables.Find("redis-server", "redis-server"), [ConfigFile(rootDirectory), "--port", port]);

    /// <summary>Writes the config file; call it just before the server starts.</summary>
    public static void WriteConfig(string rootDirectory, string password)
    {
        Directory.CreateDirectory(rootDirectory);
        var config = string.Join('\n',
            "bind 127.0.0.1",
            "protected-mode yes",
            "save \"\"",
            "appendonly no",
            $"dir {rootDirectory}",
            $"requirepass {password}");
        Secrets.WriteOwnerOnly(ConfigFile(rootDirectory), config + "\n");
    }

    private static string ConfigFile(string rootDirectory) => Path.Combine(rootDirectory, "redis.conf");
}
