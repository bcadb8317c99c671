namespace HealthPlatform.ServiceDefaults.Messaging;

/// <summary>The parts of an <c>amqp://user:password@host:port/vhost</c> connection string.</summary>
public sealed record RabbitMqAddress(string Host, ushort Port, string VirtualHost, string UserName, string Password)
{
    public static RabbitMqAddress Parse(string connectionString)
    {
        if (!Uri.TryCreate(connectionString, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps"))
        {
            throw new InvalidOperationException(
                $"Setting 'ConnectionStrings:{ResourceNames.Messaging}' must be an amqp:// URI.");
        }

        var credentials = uri.UserInfo.Split(':', 2);
        if (credentials.Length != 2 || credentials[0].Length == 0)
        {
            throw new InvalidOperationException(
                $"Setting 'ConnectionStrings:{ResourceNames.Messaging}' must carry a user name and password.");
        }

        var port = uri.IsDefaultPort ? (uri.Scheme == "amqps" ? 5671 : 5672) : uri.Port;
        var virtualHost = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        return new RabbitMqAddress(
            uri.Host,
            checked((ushort)port),
            virtualHost.Length == 0 ? "/" : virtualHost,
            Uri.UnescapeDataString(credentials[0]),
            Uri.UnescapeDataString(credentials[1]));
    }

    /// <summary>Never print the password.</summary>
    public override string ToString() => $"amqp://{UserName}@{Host}:{Port}/{VirtualHost}";
}
