using System.Net;
using System.Net.Sockets;
using ImageJobs.AppHost.Infrastructure;

namespace ImageJobs.Tests.Unit;

public sealed class LoopbackPortsTests
{
    [Fact]
    public void Ports_are_free_below_the_ephemeral_range_and_never_handed_out_twice()
    {
        var ephemeralStart = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split('\t', ' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        var ports = Enumerable.Range(0, 500).AsParallel().Select(_ => LoopbackPorts.Next()).ToList();
        Assert.Equal(ports.Count, ports.Distinct().Count());
        Assert.All(ports, port => Assert.InRange(port, 10_000, ephemeralStart - 1));
        using var listener = new TcpListener(IPAddress.Loopback, ports[0]);
        listener.Start();
    }

    [Fact]
    public void A_port_something_listens_on_is_not_handed_out()
    {
        var taken = new List<TcpListener>();
        try
        {
            // Take the next ports this process would hand out, then check none of them comes back.
            var next = LoopbackPorts.Next();
            for (var port = next + 1; port < next + 20; port++)
            {
                var listener = new TcpListener(IPAddress.Loopback, port);
                try
                {
                    listener.Start();
                    taken.Add(listener);
                }
                catch (SocketException)
                {
                    listener.Dispose();
                }
            }

            var handed = LoopbackPorts.Next();
            Assert.DoesNotContain(handed, taken.Select(l => ((IPEndPoint)l.LocalEndpoint).Port));
        }
        finally
        {
            taken.ForEach(l => l.Dispose());
        }
    }
}
