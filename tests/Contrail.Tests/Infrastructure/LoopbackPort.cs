using System.Net.Sockets;

namespace Contrail.Tests.Infrastructure;

public static class LoopbackPort
{
    /// <summary>A port free on 127.0.0.1 right now, for a server the test starts that cannot bind port 0 itself.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
