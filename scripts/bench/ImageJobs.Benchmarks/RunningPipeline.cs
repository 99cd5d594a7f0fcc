using System.Collections.Concurrent;
using System.Net.Http.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using ImageJobs.Messaging;
using ImageJobs.Producer.Batches;
using ImageJobs.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace ImageJobs.Benchmarks;

/// <summary>What the producer answers to a submission, and what it tells about a batch.</summary>
public sealed record Accepted(string BatchId, int Total);

public sealed record Progress(int Total, int Succeeded, int Failed, int Pending, bool Done);

/// <summary>
/// The real AppHost in local-process mode (Debian's RabbitMQ, npm's Azurite, the producer and
/// the workers as processes), started with Aspire.Hosting.Testing exactly as the end-to-end tests
/// start it, plus what the harness needs: the worker replicas to stop and start, and the
/// processes of each component to read CPU time and memory from /proc.
/// </summary>
public sealed class RunningPipeline : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);

    private readonly ConcurrentDictionary<string, ResourceEvent> _resources = new();
    private readonly CancellationTokenSource _watching = new();
    private readonly string _dataDirectory;
    private DistributedApplication _app = null!;
    private IConnection _broker = null!;
    private string _blobMarker = string.Empty;

    private RunningPipeline(string dataDirectory) => _dataDirectory = dataDirectory;

    public HttpClient Http { get; private set; } = null!;

    public BlobServiceClient Blobs { get; private set; } = null!;

    /// <summary>The producers' batch state, read as they store it.</summary>
    public BatchStore Batches { get; private set; } = null!;

    public IConnection Broker => _broker;

    public int Replicas { get; private set; }

    /// <summary>
    /// Starts the AppHost with <paramref name="replicas"/> workers; <paramref name="workerEnvironment"/>
    /// goes to every worker (Messaging__Prefetch, MALLOC_ARENA_MAX...) and <paramref name="producerEnvironment"/>
    /// to every producer, on top of what the AppHost sets.
    /// </summary>
    /// <param name="appHostSettings">More of the AppHost's settings, as <c>Key=Value</c> (another Azurite program, say).</param>
    public static async Task<RunningPipeline> StartAsync(int replicas, IReadOnlyDictionary<string, string> workerEnvironment,
        IReadOnlyDictionary<string, string> producerEnvironment, params string[] appHostSettings)
    {
        var data = Path.Combine(Path.GetTempPath(), $"imagejobs-pipeline-{Guid.NewGuid():N}");
        var pipeline = new RunningPipeline(data) { Replicas = replicas };
        var builder = await LocalAppHost.CreateBuilderAsync(data, replicas, appHostSettings);
        builder.Services.AddLogging(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            // The AppHost's appsettings say Information by default: the harness's own HTTP polling would flood the console.
            .AddFilter("System", LogLevel.Warning)
            .AddFilter("Microsoft", LogLevel.Warning)
            .AddFilter("Polly", LogLevel.Warning)
            .AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None) // "not up yet" while starting
            .AddFilter("ImageJobs.AppHost.Resources", LogLevel.Error)
            .AddFilter("Aspire.Hosting", LogLevel.Error));
        foreach (var (resource, environment) in new[] { ("worker", workerEnvironment), ("producer", producerEnvironment) })
        {
            var project = builder.CreateResourceBuilder(builder.Resources.OfType<ProjectResource>().Single(r => r.Name == resource));
            foreach (var (name, value) in environment)
            {
                project.WithEnvironment(name, value);
            }
        }

        pipeline._app = await builder.BuildAsync();
        _ = pipeline.WatchResourcesAsync();
        await LocalAppHost.StartAsync(pipeline._app, StartTimeout);

        var blobs = await pipeline._app.GetConnectionStringAsync("blobs");
        pipeline.Blobs = new BlobServiceClient(blobs);
        pipeline._blobMarker = LocalAppHost.ServiceMarker(blobs!);
        pipeline.Batches = new BatchStore(new TableServiceClient(await pipeline._app.GetConnectionStringAsync("tables")),
            Options.Create(new BatchStateOptions()), TimeProvider.System);
        pipeline.Http = pipeline._app.CreateHttpClient("producer");
        pipeline.Http.Timeout = TimeSpan.FromMinutes(10);
        var factory = new ConnectionFactory { Uri = new Uri((await pipeline._app.GetConnectionStringAsync("messaging"))!) };
        pipeline._broker = await factory.CreateConnectionAsync();
        await pipeline.WaitForConsumersAsync(replicas, StartTimeout);
        return pipeline;
    }

    private async Task WatchResourcesAsync()
    {
        try
        {
            await foreach (var update in _app.ResourceNotifications.WatchAsync(_watching.Token))
            {
                _resources[update.ResourceId] = update;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Stops or starts worker replicas until exactly <paramref name="count"/> consume jobs. A worker
    /// is stopped with SIGTERM (it finishes nothing: the harness changes counts between batches),
    /// and started again with Aspire's start command, as the fault-injection tests do; Aspire's
    /// stop command fails on a project replica run under `dotnet run`.
    /// </summary>
    public async Task SetRunningWorkersAsync(int count)
    {
        var pids = WorkerPids();
        foreach (var pid in pids.Skip(count))
        {
            _ = ProcFiles.Terminate(pid);
        }

        var deadline = DateTime.UtcNow + StartTimeout;
        while (WorkerPids().Count > count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        var stopped = _resources.Values
            .Where(e => e.Resource.Name == "worker" && e.Snapshot.State?.Text is { } state && KnownResourceStates.TerminalStates.Contains(state))
            .Select(e => e.ResourceId)
            .Take(Math.Max(0, count - pids.Count))
            .ToList();
        foreach (var replica in stopped)
        {
            var result = await _app.ResourceCommands.ExecuteCommandAsync(replica, KnownResourceCommands.StartCommand).WaitAsync(StartTimeout);
            if (!result.Success)
            {
                throw new InvalidOperationException($"starting {replica}: {result.Message}");
            }
        }

        await WaitForConsumersAsync(count, StartTimeout);
    }

    /// <summary>Waits until the jobs queue has exactly this many consumers (a started worker is ready only once it consumes).</summary>
    public async Task WaitForConsumersAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var consumers = await QueueConsumersAsync();
            if (consumers == count)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{consumers} consumers instead of {count} after {timeout}.");
            }

            await Task.Delay(250);
        }
    }

    private async Task<uint> QueueConsumersAsync()
    {
        try
        {
            await using var channel = await _broker.CreateChannelAsync();
            return (await channel.QueueDeclarePassiveAsync(ImageJobs.Messaging.JobTopology.JobsQueue)).ConsumerCount;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            return 0; // not declared yet: no worker has started
        }
    }

    public async Task PurgeJobsAsync()
    {
        await using var channel = await _broker.CreateChannelAsync();
        await channel.QueuePurgeAsync(ImageJobs.Messaging.JobTopology.JobsQueue);
    }

    /// <summary>A job exactly as the producer published it (taken off the queue), so a bare publisher can send the same bytes.</summary>
    public async Task<ReadOnlyMemory<byte>> OneJobBodyAsync()
    {
        await using var channel = await _broker.CreateChannelAsync();
        var message = await channel.BasicGetAsync(ImageJobs.Messaging.JobTopology.JobsQueue, autoAck: true)
            ?? throw new InvalidOperationException("No job in the queue after a publish.");
        return message.Body.ToArray();
    }

    public async Task<Accepted> SubmitAsync(object request)
    {
        using var response = await Http.PostAsJsonAsync("/api/batches", request);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        return (await response.Content.ReadFromJsonAsync<Accepted>())!;
    }

    public async Task<Progress> WaitUntilDoneAsync(string batchId, TimeSpan timeout, Action<Progress>? onProgress = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var progress = (await Http.GetFromJsonAsync<Progress>($"/api/batches/{batchId}"))!;
            onProgress?.Invoke(progress);
            if (progress.Done)
            {
                return progress;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Batch {batchId} not done after {timeout}: {progress}");
            }

            // Often only for the last few jobs: each read costs the table service, and the end is what is timed.
            await Task.Delay(progress.Pending <= 5 ? 10 : 100);
        }
    }

    /// <summary>
    /// This system's processes by component: the services carry its blob endpoint in their
    /// environment, RabbitMQ and Azurite its data directory on their command line or environment.
    /// </summary>
    public IReadOnlyList<(int Pid, string Component)> Processes()
    {
        var found = new List<(int, string)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            var commandLine = ProcFiles.Read(Path.Combine(directory, "cmdline"));
            var ours = commandLine.Contains(_dataDirectory, StringComparison.Ordinal)
                || ProcFiles.Read(Path.Combine(directory, "environ")) is var environment
                    && (environment.Contains(_blobMarker, StringComparison.Ordinal) || environment.Contains(_dataDirectory, StringComparison.Ordinal));
            var component = !ours ? null
                : commandLine.TrimEnd().EndsWith("/ImageJobs.Worker", StringComparison.Ordinal) ? "worker"
                : commandLine.TrimEnd().EndsWith("/ImageJobs.Producer", StringComparison.Ordinal) ? "producer"
                : commandLine.Contains("beam.smp", StringComparison.Ordinal) ? "rabbitmq"
                : commandLine.StartsWith("node", StringComparison.Ordinal) && commandLine.Contains("azurite", StringComparison.Ordinal)
                    ? commandLine.Contains("--tablePort", StringComparison.Ordinal) ? "azurite tables" : "azurite blobs"
                : null;
            if (component is not null)
            {
                found.Add((pid, component));
            }
        }

        return found;
    }

    public IReadOnlyList<int> WorkerPids() => Processes().Where(p => p.Component == "worker").Select(p => p.Pid).ToList();

    public async ValueTask DisposeAsync()
    {
        await _watching.CancelAsync();
        Http?.Dispose();
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }

        await _app.DisposeAsync();
        _watching.Dispose();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A broker file still held open: the temp folder is cleaned up by the system anyway.
        }
        catch (UnauthorizedAccessException)
        {
            // RabbitMQ ran as its own user and left files we may not delete.
        }
    }
}
