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

    /// <summary>
    /// The node's command. The node starts empty each run: RabbitMQ applies the default user
    /// only when it first creates its database, and the password is generated per run.
    /// </summary>
    /// <remarks>Ports are given as the text to put in the node's environment.</remarks>
    public static ProcessCommand ServerCommand(string rootDirectory, string nodeName, string amqpPort, string distributionPort, string epmdPort, string userName, string password)
    {
        var script = File.Exists(DebianServerScript) ? DebianServerScript : Executables.Find("rabbitmq-server", "rabbitmq-server");
        var home = Path.Combine(rootDirectory, "home");
        var state = Path.Combine(rootDirectory, "state");
        if (Directory.Exists(state))
        {
            Directory.Delete(state, recursive: true);
        }

        foreach (var directory in new[] { home, state, Path.Combine(rootDirectory, "log") })
        {
            Directory.CreateDirectory(directory);
        }

        var pluginsFile = Path.Combine(rootDirectory, "enabled_plugins");
        File.WriteAllText(pluginsFile, "[].\n");
        var envFile = Path.Combine(rootDirectory, "rabbitmq-env.conf");
        File.WriteAllText(envFile, string.Empty);

        return new ProcessCommand(script, [])
        {
            Environment = new Dictionary<string, string>
            {
                ["HOME"] = home,
                ["RABBITMQ_NODENAME"] = $"{nodeName}@localhost",
                ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
                ["RABBITMQ_NODE_PORT"] = amqpPort,
                ["RABBITMQ_DIST_PORT"] = distributionPort,
                ["ERL_EPMD_PORT"] = epmdPort,
                ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-start_epmd false",
                ["RABBITMQ_MNESIA_BASE"] = state,
                ["RABBITMQ_LOG_BASE"] = Path.Combine(rootDirectory, "log"),
                ["RABBITMQ_LOGS"] = "-",
                ["RABBITMQ_ENABLED_PLUGINS_FILE"] = pluginsFile,
                ["RABBITMQ_CONFIG_FILE"] = Path.Combine(rootDirectory, "no-config"),
                ["RABBITMQ_CONF_ENV_FILE"] = envFile,
                ["RABBITMQ_DEFAULT_USER"] = userName,
                ["RABBITMQ_DEFAULT_PASS"] = password,
            },
        };
    }
}
