using System.Data.Common;
using System.Net.Sockets;
using Npgsql;

namespace HealthPlatform.AppHost.Extensions;

/// <summary>Health probes that really connect to a local server.</summary>
internal static class ConnectionProbes
{
    /// <summary>Opens a session with the connection string's credentials.</summary>
    public static async Task PostgresAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
    }

    /// <summary>Accepts <c>host:port[,options]</c>, <c>amqp://…@host:port/</c> or <c>Host=…;Port=…</c>.</summary>
    public static async Task TcpAsync(string connectionString, CancellationToken cancellationToken)
    {
        var (host, port) = HostAndPort(connectionString);
        using var client = new TcpClient();
        await client.ConnectAsync(host, port, cancellationToken);
    }

    private static (string Host, int Port) HostAndPort(string connectionString)
    {
        if (Uri.TryCreate(connectionString, UriKind.Absolute, out var uri) && uri.Scheme.StartsWith("amqp", StringComparison.Ordinal))
        {
            return (uri.Host, uri.Port);
        }

        var endpoint = connectionString.Split(',')[0];
        var separator = endpoint.LastIndexOf(':');
        return (endpoint[..separator], int.Parse(endpoint[(separator + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }
}
