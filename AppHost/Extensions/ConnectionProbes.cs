using System.Data.Common;
using System.Net.Sockets;
using System.Text;
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

    /// <summary>Authenticates and expects <c>PONG</c>, so a wrong password is unhealthy too.</summary>
    public static async Task RedisAsync(string connectionString, CancellationToken cancellationToken)
    {
        var (host, port) = HostAndPort(connectionString);
        var password = connectionString.Split(',').Select(part => part.Trim())
            .FirstOrDefault(part => part.StartsWith("password=", StringComparison.Ordinal))?["password=".Length..] ?? string.Empty;
        using var client = new TcpClient();
        await client.ConnectAsync(host, port, cancellationToken);
        var stream = client.GetStream();
        var request = $"*2\r\n$4\r\nAUTH\r\n${Encoding.UTF8.GetByteCount(password)}\r\n{password}\r\n*1\r\n$4\r\nPING\r\n";
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request), cancellationToken);

        const string expected = "+OK\r\n+PONG\r\n";
        var buffer = new byte[256];
        var received = 0;
        while (received < expected.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(received), cancellationToken);
            if (read == 0)
            {
                break;
            }

            received += read;
        }

        if (Encoding.UTF8.GetString(buffer, 0, received) != expected)
        {
            throw new InvalidOperationException("Redis refused AUTH or PING.");
        }
    }

    /// <summary>Accepts <c>host:port[,options]</c> or <c>amqp://…@host:port/</c>.</summary>
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
