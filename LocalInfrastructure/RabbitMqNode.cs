namespace HealthPlatform.LocalInfrastructure;

/// <summary>
/// A RabbitMQ node for local runs and tests, isolated from any system-wide installation: its own
/// node name, home, data, ports and its own <c>epmd</c> (Erlang's port mapper) on a private port.
/// The node is told not to start an epmd of its own, because a daemonised epmd outlives every
/// node; the orchestrator runs <see cref="EpmdCommand"/> as a separate process it also stops.
/// </summary>
public static class RabbitMqNode
{
    public const string DebianServerScript = "/usr/lib/rabbitmq/bin/rabbitmq-server";

    /// <param name="epmdPort">The TCP port, as the text to pass on the command line.</param>
    public static ProcessCommand EpmdCommand(string epmdPort) =>
        new(Executables.Find("epmd", "erlang-base"), ["-port", epmdPort, "-address", "127.0.0.1"]);

    /// <summary>The node's command; ports are given as the text to put in its environment.</summary>
    public static ProcessCommand ServerCommand(string rootDirectory, string nodeName, string amqpPort, string distributionPort, string epmdPort)
    {
        var script = File.Exists(DebianServerScript) ? DebianServerScript : Executables.Find("rabbitmq-server", "rabbitmq-server");
        return new ProcessCommand(script, [])
        {
            Environment = new Dictionary<string, string>
            {
                ["HOME"] = Path.Combine(rootDirectory, "home"),
                ["RABBITMQ_NODENAME"] = $"{nodeName}@localhost",
                ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
                ["RABBITMQ_NODE_PORT"] = amqpPort,
                ["RABBITMQ_DIST_PORT"] = distributionPort,
                ["ERL_EPMD_PORT"] = epmdPort,
                // Use the private epmd only, and keep the Erlang distribution port on loopback too.
                ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-start_epmd false -kernel inet_dist_use_interface {127,0,0,1}",
                ["RABBITMQ_MNESIA_BASE"] = Path.Combine(rootDirectory, "state"),
                ["RABBITMQ_LOG_BASE"] = Path.Combine(rootDirectory, "log"),
                ["RABBITMQ_LOGS"] = "-",
                ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(rootDirectory, "enabled_plugins"),
                ["RABBITMQ_CONFIG_FILE"] = ConfigFile(rootDirectory),
                ["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(rootDirectory, "rabbitmq-env.conf"),
            },
        };
    }

    /// <summary>
    /// Prepares the node's folders and config just before it starts. The node starts empty each
    /// run: RabbitMQ applies its default user only when it first creates its database, and the
    /// password is generated per run. The credentials go into a config file only its owner can
    /// read, not into the environment, which every child process inherits.
    /// </summary>
    public static void Prepare(string rootDirectory, string userName, string password)
    {
        var state = Path.Combine(rootDirectory, "state");
        if (Directory.Exists(state))
        {
            Directory.Delete(state, recursive: true);
        }

        foreach (var directory in new[] { Path.Combine(rootDirectory, "home"), state, Path.Combine(rootDirectory, "log") })
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllText(Path.Combine(rootDirectory, "enabled_plugins"), "[].\n");
        File.WriteAllText(Path.Combine(rootDirectory, "rabbitmq-env.conf"), string.Empty);
        Secrets.WriteOwnerOnly(ConfigFile(rootDirectory), $"default_user = {userName}\ndefault_pass = {password}\n");
    }

    private static string ConfigFile(string rootDirectory) => Path.Combine(rootDirectory, "rabbitmq.conf");
}
