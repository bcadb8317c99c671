using System.Net;
using System.Net.Sockets;

namespace HealthPlatform.LocalInfrastructure;

/// <summary>Asks the kernel for a free loopback TCP port.</summary>
public static class FreePort
{
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// A loopback port nobody listens on now, and that this process has not been given before: the
    /// kernel may offer a just-released port again, and two listeners of one service must differ.
    /// </summary>
    public static int Next()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            lock (HandedOut)
            {
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
