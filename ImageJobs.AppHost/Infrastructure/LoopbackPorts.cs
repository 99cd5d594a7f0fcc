using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ImageJobs.AppHost.Infrastructure;

/// <summary>
/// Free loopback ports for local processes that are told their port before they start. They are taken
/// below the kernel's ephemeral range: a port the kernel hands out for "any port" (our own port-0 listeners,
/// every outgoing connection's local end) may be taken again by anyone before the process it was picked
/// for binds it, and that process then exits with EADDRINUSE.
/// </summary>
public static class LoopbackPorts
{
    private const int Lowest = 10_000;
    private const int Attempts = 200;

    // Ports are shared by the whole machine, so this record of those handed out is the process's: it keeps
    // concurrent picks in one process (tests run in parallel) apart. A random start keeps processes apart.
    private static int _next = Random.Shared.Next();

    /// <summary>A loopback port that nothing listens on now and that this process has not handed out before.</summary>
    /// <exception cref="InvalidOperationException">No port in the range could be bound.</exception>
    public static int Next()
    {
        var highest = EphemeralStart() - 1;
        var span = highest - Lowest + 1;
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var port = Lowest + (int)((uint)Interlocked.Increment(ref _next) % (uint)span);
            if (IsFree(port))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"No free loopback port between {Lowest} and {highest} after {Attempts} attempts.");
    }

    private static bool IsFree(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The first port of Linux's ephemeral range; its default where the setting cannot be read.</summary>
    private static int EphemeralStart()
    {
        const int linuxDefault = 32_768;
        const string setting = "/proc/sys/net/ipv4/ip_local_port_range";
        if (!File.Exists(setting))
        {
            return linuxDefault;
        }

        var first = File.ReadAllText(setting).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        return int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var start) && start > Lowest + Attempts
            ? start
            : linuxDefault;
    }
}
