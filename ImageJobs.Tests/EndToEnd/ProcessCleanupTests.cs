using System.Diagnostics;
using System.Net.Sockets;
using ImageJobs.AppHost.Infrastructure;
using ImageJobs.Tests.Support;

namespace ImageJobs.Tests.EndToEnd;

/// <summary>
/// No broker, epmd or Azurite process of ours outlives the AppHost: after Ctrl+C, and after the
/// AppHost itself is killed. The AppHost runs as a real process, as a user starts it.
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(AppHostGroup.Name)]
public sealed class ProcessCleanupTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(Processes.SigInt)]
    [InlineData(Processes.SigKill)]
    public async Task Infrastructure_processes_end_with_the_apphost(int signal)
    {
        using var data = new ScratchDirectory("imagejobs-cleanup");
        var amqpPort = LoopbackPorts.Next();
        // Through env --default-signal: a suite started in the background (nohup, "&" without job
        // control) hands its children SIGINT ignored, and the AppHost would never see the signal.
        var startInfo = new ProcessStartInfo("env",
        [
            "--default-signal=INT",
            Repository.AppHostExecutable,
            "Infrastructure:Mode=LocalProcesses",
            $"LocalInfrastructure:DataDirectory={data.Path}",
            $"LocalInfrastructure:RabbitMQPort={amqpPort}",
            "Demo:Enabled=false",
            "Workers:Replicas=1",
        ])
        {
            WorkingDirectory = Path.Combine(Repository.Root, "ImageJobs.AppHost"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        startInfo.Environment["DOTNET_ENVIRONMENT"] = "Development";
        startInfo.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{LoopbackPorts.Next()}";
        startInfo.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://127.0.0.1:{LoopbackPorts.Next()}";
        startInfo.Environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";

        using var appHost = Process.Start(startInfo)!;
        appHost.OutputDataReceived += (_, _) => { };
        appHost.ErrorDataReceived += (_, _) => { };
        appHost.BeginOutputReadLine();
        appHost.BeginErrorReadLine();
        try
        {
            await WaitForPortAsync(amqpPort, TimeSpan.FromMinutes(2));
            var running = Processes.FindByMarker(data.Path);
            output.WriteLine($"running before the signal: {running.Count}\n  " + string.Join("\n  ", running.Select(p => Describe(p.CommandLine))));
            Assert.Contains(running, p => p.CommandLine.Contains("beam.smp", StringComparison.Ordinal));
            Assert.Contains(running, p => p.CommandLine.Contains("epmd", StringComparison.Ordinal));
            Assert.Contains(running, p => p.CommandLine.Contains("azurite", StringComparison.Ordinal));

            Processes.Signal(appHost.Id, signal);
            await appHost.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));

            var left = await Processes.WaitUntilGoneAsync(data.Path, TimeSpan.FromSeconds(60));
            Assert.True(left.Count == 0, "still running: " + string.Join("; ", left.Select(p => Describe(p.CommandLine))));
        }
        finally
        {
            if (!appHost.HasExited)
            {
                appHost.Kill(entireProcessTree: true);
            }
        }
    }

    private static string Describe(string commandLine) => commandLine.Length > 120 ? commandLine[..120] + "…" : commandLine;

    private static async Task WaitForPortAsync(int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(500);
            }
        }

        throw new TimeoutException($"Nothing listened on port {port} within {timeout}.");
    }
}
