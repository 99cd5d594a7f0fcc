using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace ImageJobs.Tests.Support;

/// <summary>
/// A loopback endpoint that accepts connections and never answers: a blob store that hangs every
/// request, for as long as the client lets it (a slow image is no reliable hang: a fast machine
/// finishes it).
/// </summary>
public sealed class SilentEndpoint : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentBag<TcpClient> _held = [];

    public SilentEndpoint()
    {
        _listener.Start();
        _ = HoldAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private async Task HoldAsync()
    {
        try
        {
            while (true)
            {
                _held.Add(await _listener.AcceptTcpClientAsync());
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        foreach (var client in _held)
        {
            client.Dispose();
        }
    }
}
