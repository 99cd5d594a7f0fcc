using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using ImageJobs.AppHost.Infrastructure;
using ImageJobs.Producer.Batches;
using ImageJobs.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ImageJobs.Tests.FaultInjection;

/// <summary>
/// The real AppHost in local-process mode (RabbitMQ, Azurite, producer, 3 workers), kept running
/// for a series of fault scenarios, with the means to hurt it: signals to the service processes,
/// and Aspire's own start/stop/restart commands for resources.
/// </summary>
public sealed class RunningSystem : IAsyncLifetime, IDisposable
{
    public const int Workers = 3;

    /// <summary>The AppHost's default: two producers sharing the batch state.</summary>
    public const int Producers = 2;

    /// <summary>How long a batch must be unheard of, with nothing queued, before its unended jobs count as lost.</summary>
    public static readonly TimeSpan QuietFor = TimeSpan.FromSeconds(40);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private readonly ScratchDirectory _data = new("imagejobs-faults");
    private readonly ConcurrentDictionary<string, ResourceEvent> _resources = new();
    private readonly CancellationTokenSource _watching = new();
    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("Not started.");

    public HttpClient Http { get; private set; } = null!;

    public BlobServiceClient Blobs { get; private set; } = null!;

    /// <summary>The producers' shared batch state.</summary>
    public TableServiceClient Tables { get; private set; } = null!;

    /// <summary>Something only this system's service processes carry in their environment.</summary>
    private string ServiceMarker { get; set; } = string.Empty;

    public async Task InitializeAsync()
    {
        // Lost jobs judged within a minute, not ten: the broker-wipe scenario waits for it. Longer
        // than the 20 s store outage, so that outage alone never makes a batch look quiet.
        var builder = await LocalAppHost.CreateBuilderAsync(_data.Path, Workers, $"LostJobs:QuietFor={QuietFor}", "Messaging:ProgressHeartbeat=00:00:10");
        builder.CreateResourceBuilder(builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "producer"))
            .WithEnvironment("LostJobs__CheckEvery", "00:00:05");
        builder.Services.AddLogging(logging => logging
            .AddFilter("ImageJobs.AppHost.Resources", LogLevel.Warning)
            .AddFilter("Aspire.Hosting", LogLevel.Warning));
        // The services' own lines (producers', workers', the broker's), kept when asked for.
        if (Environment.GetEnvironmentVariable("IMAGEJOBS_FAULT_LOG") is { Length: > 0 } logPath)
        {
            builder.Services.AddLogging(logging => logging
                .AddFilter<ServiceLogFile>("ImageJobs.AppHost.Resources", LogLevel.Trace)
                .AddProvider(new ServiceLogFile(logPath)));
        }
        _app = await builder.BuildAsync();
        _ = WatchResourcesAsync(_app.ResourceNotifications, _watching.Token);
        await LocalAppHost.StartAsync(_app, StartTimeout);

        var blobConnectionString = await _app.GetConnectionStringAsync("blobs");
        Blobs = new BlobServiceClient(blobConnectionString);
        Tables = new TableServiceClient(await _app.GetConnectionStringAsync("tables"));
        ServiceMarker = LocalAppHost.ServiceMarker(blobConnectionString!);
        Http = _app.CreateHttpClient("producer");
        await WaitForWorkersAsync(Workers, TimeSpan.FromMinutes(2));
    }

    private async Task WatchResourcesAsync(ResourceNotificationService notifications, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var update in notifications.WatchAsync(cancellationToken))
            {
                _resources[update.ResourceId] = update;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Process ids of the running worker processes (the apps themselves, not their `dotnet run` launchers).</summary>
    public IReadOnlyList<int> WorkerPids() => ServicePids("/ImageJobs.Worker");

    public IReadOnlyList<int> ProducerPids() => ServicePids("/ImageJobs.Producer");

    private List<int> ServicePids(string executable) => Processes.FindByMarker(ServiceMarker)
        .Where(p => p.CommandLine.TrimEnd().EndsWith(executable, StringComparison.Ordinal))
        .Select(p => p.Pid)
        .ToList();

    public async Task WaitForWorkersAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (WorkerPids().Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{WorkerPids().Count} of {count} workers running after {timeout}.");
            }

            await Task.Delay(250);
        }
    }

    /// <summary>
    /// Starts again the replicas that have stopped (what an orchestrator would do), until all
    /// run: the orchestrator notices an exit a little after the process is gone.
    /// </summary>
    public Task RestoreWorkersAsync(TimeSpan timeout) => RestoreAsync("worker", WorkerPids, Workers, timeout);

    public Task RestoreProducerAsync(TimeSpan timeout) => RestoreAsync("producer", ProducerPids, Producers, timeout);

    /// <summary>Each running producer replica and its own address (not the proxy's, which picks one).</summary>
    public IReadOnlyList<(int Pid, Uri Address)> ProducerAddresses() => ProducerPids()
        .Select(pid => (pid, Processes.EnvironmentOf(pid).GetValueOrDefault("ASPNETCORE_URLS")))
        .Where(p => p.Item2 is not null)
        .Select(p => (p.pid, new Uri(p.Item2!.Split(';')[0].Replace("localhost", "127.0.0.1", StringComparison.Ordinal))))
        .ToList();

    private async Task RestoreAsync(string name, Func<IReadOnlyList<int>> running, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        // Each replica is started once: a stopped snapshot sent before its start may still arrive.
        var started = new HashSet<string>(StringComparer.Ordinal);
        while (running().Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{running().Count} of {count} {name} processes running after {timeout}.");
            }

            var stopped = _resources.Values
                .Where(e => e.Resource.Name == name && e.Snapshot.State?.Text is { } state && KnownResourceStates.TerminalStates.Contains(state))
                .Select(e => e.ResourceId)
                .Where(started.Add)
                .ToList();
            foreach (var replica in stopped)
            {
                var result = await App.ResourceCommands.ExecuteCommandAsync(replica, KnownResourceCommands.StartCommand);
                Assert.True(result.Success, $"starting {replica} failed: {result.Message}");
            }

            await Task.Delay(500);
        }
    }

    /// <summary>
    /// Stops the broker, deletes its data directory (queues, messages and all), and starts it again,
    /// as a broker without a volume restarts: the users come back from its definitions, the
    /// topology from the producers that declare it.
    /// </summary>
    public async Task WipeBrokerAsync()
    {
        var mnesia = System.IO.Path.Combine(_data.Path, "messaging", "mnesia");
        await ExecuteAsync("messaging", KnownResourceCommands.StopCommand);
        Assert.Empty(await Processes.WaitUntilGoneAsync(mnesia, TimeSpan.FromSeconds(60)));
        Directory.Delete(mnesia, recursive: true);
        await ExecuteAsync("messaging", KnownResourceCommands.StartCommand);
    }

    /// <summary>
    /// Starts one more producer process beside the replicas, as a deploy's new revision starts
    /// before the old one stops: the same program and settings (never printed), a port of its own.
    /// The caller stops it (by its id).
    /// </summary>
    public (Process Process, Uri Address) StartExtraProducer()
    {
        var template = ProducerPids()[0];
        var executable = File.ReadAllText($"/proc/{template}/cmdline").Split('\0')[0];
        var address = new Uri($"http://127.0.0.1:{LoopbackPorts.Next()}");
        var start = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = File.ResolveLinkTarget($"/proc/{template}/cwd", returnFinalTarget: false)?.FullName ?? System.IO.Path.GetDirectoryName(executable)!,
        };
        start.Environment.Clear();
        foreach (var (name, value) in Processes.EnvironmentOf(template))
        {
            start.Environment[name] = value;
        }

        start.Environment["ASPNETCORE_URLS"] = address.ToString();
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, address);
    }

    /// <summary>Waits until the producer answers its API again (after a restart).</summary>
    public async Task WaitForProducerAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var response = await Http.GetAsync("/api/batches");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }

            Assert.True(DateTime.UtcNow < deadline, $"the producer did not answer within {timeout}");
            await Task.Delay(250);
        }
    }

    public async Task ExecuteAsync(string resourceName, string command)
    {
        var result = await App.ResourceCommands.ExecuteCommandAsync(resourceName, command).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(result.Success, $"{command} on {resourceName} failed: {result.Message}");
    }

    public async Task<BatchAccepted> SubmitAsync(object request, string? idempotencyKey = null)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/batches") { Content = JsonContent.Create(request) };
        if (idempotencyKey is not null)
        {
            message.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        using var response = await Http.SendAsync(message);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<BatchAccepted>())!;
    }

    public async Task<BatchStatus> StatusAsync(string batchId) =>
        (await Http.GetFromJsonAsync<BatchStatus>($"/api/batches/{batchId}"))!;

    public async Task<BatchStatus> WaitUntilDoneAsync(string batchId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                var status = await StatusAsync(batchId);
                if (status.Done || DateTime.UtcNow > deadline)
                {
                    return status;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                // The producer may be the one being restarted.
            }

            await Task.Delay(250);
        }
    }

    public async Task DisposeAsync()
    {
        await _watching.CancelAsync();
        Http?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    public void Dispose()
    {
        _watching.Dispose();
        _data.Dispose();
    }
}
