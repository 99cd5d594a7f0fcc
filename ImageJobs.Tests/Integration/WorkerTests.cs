// Over 300 lines: one fixture (a broker, a store and worker hosts) serves every worker scenario; the
// scenarios share its set-up helpers. To be split by scenario (jobs, retries, stops) when next touched.
using System.Diagnostics;
using System.Text.Json;
using Azure.Storage.Blobs;
using ImageJobs.AppHost.Infrastructure;
using ImageJobs.Contracts;
using ImageJobs.Messaging;
using ImageJobs.Rendering;
using ImageJobs.Tests.Support;
using ImageJobs.Worker.Processing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;
using SkiaSharp;

namespace ImageJobs.Tests.Integration;

/// <summary>The worker against a real RabbitMQ and a real Azurite.</summary>
[Trait("Category", "Integration")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class WorkerTests(LocalInfrastructure infrastructure, ITestOutputHelper output)
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Good_jobs_succeed_and_bad_ones_fail_with_a_code_and_are_dead_lettered()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        var (sources, results) = await CreateContainersAsync();
        var good = TestImages.Jpeg(1);
        await sources.UploadBlobAsync("good.jpg", BinaryData.FromBytes(good));
        await sources.UploadBlobAsync("truncated.jpg", BinaryData.FromBytes(good[..(good.Length / 2)]));
        await sources.UploadBlobAsync("text.jpg", BinaryData.FromString("this is not an image"));
        await sources.UploadBlobAsync("empty.png", BinaryData.FromBytes([]));

        using var host = ServiceHosts.Worker(infrastructure, _suffix);
        var publisher = host.Services.GetRequiredService<ConfirmedPublisher>();
        var expected = new Dictionary<string, (JobStatus Status, string? Code)>
        {
            ["good.jpg"] = (JobStatus.Succeeded, null),
            ["truncated.jpg"] = (JobStatus.Failed, ErrorCodes.TruncatedImage),
            ["text.jpg"] = (JobStatus.Failed, ErrorCodes.NotAnImage),
            ["empty.png"] = (JobStatus.Failed, ErrorCodes.EmptySource),
            ["missing.jpg"] = (JobStatus.Failed, ErrorCodes.SourceNotFound),
        };
        var jobs = expected.Keys.Select((source, i) => Job("batch-" + _suffix, i, source)).ToList();
        await publisher.PublishAsync(JobTopology.JobsQueue, jobs.Select(Message).ToList(), CancellationToken.None);
        await PublishRawAsync("{ not json"u8.ToArray());
        await PublishRawAsync("""{"schemaVersion":99,"jobId":"future-job","batchId":"b"}"""u8.ToArray());

        await host.StartAsync();
        var succeeded = await CollectOutcomesAsync(1, TimeSpan.FromSeconds(60));
        var deadLetters = await CollectDeadLettersAsync(6, TimeSpan.FromSeconds(60));
        await host.StopAsync();

        Assert.Equal(jobs[0].JobId, Assert.Single(succeeded).JobId);
        foreach (var job in jobs.Skip(1))
        {
            // Each bad job is dead-lettered once, with why in its headers.
            var failure = Assert.Single(deadLetters, d => d.JobId == job.JobId).Failure;
            Assert.Equal(expected[job.SourceBlob].Code, failure.ErrorCode);
            Assert.False(string.IsNullOrWhiteSpace(failure.Error));
            Assert.Equal(1, failure.Attempts);
            Assert.NotNull(failure.Worker);
            output.WriteLine($"{job.SourceBlob}: {failure.ErrorCode}: {failure.Error}");
        }

        Assert.Equal(ErrorCodes.UnsupportedSchema, Assert.Single(deadLetters, d => d.JobId == "future-job").Failure.ErrorCode);
        Assert.Equal(ErrorCodes.MalformedMessage, Assert.Single(deadLetters, d => d.JobId is null).Failure.ErrorCode);

        var result = results.GetBlobClient(jobs[0].ResultBlob);
        var properties = (await result.GetPropertiesAsync()).Value;
        Assert.Equal("image/jpeg", properties.ContentType);
        Assert.Equal(jobs[0].JobId, properties.Metadata["jobid"]);
        Assert.Equal(jobs[0].BatchId, properties.Metadata["batchid"]);
        // A JPEG at its own quality: only the blocks under the caption were computed again.
        Assert.Equal("blocks", properties.Metadata["renderpath"]);
        using var original = SKBitmap.Decode(good);
        using var rendered = SKBitmap.Decode((await result.DownloadContentAsync()).Value.Content.ToArray());
        Assert.Equal((original.Width, original.Height), (rendered.Width, rendered.Height));
        Assert.True(TestImages.DifferingFraction(original, rendered) > 0.005, "the caption changed no pixel");

        // The same six went to the producer's dead-letter events; nothing is left to do or retry.
        await using var connection = await infrastructure.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        Assert.Equal(6u, await ServiceHosts.ReadyCountAsync(channel, JobTopology.DeadLetterEventsQueue));
        Assert.Equal(0u, await ServiceHosts.ReadyCountAsync(channel, JobTopology.JobsQueue));
        foreach (var delay in JobTopology.RetryDelays)
        {
            Assert.Equal(0u, await ServiceHosts.ReadyCountAsync(channel, JobTopology.RetryQueue(delay)));
        }
    }

    [Fact]
    public async Task A_graceful_stop_finishes_the_job_in_hand_and_hands_back_nothing_else()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        var (sources, _) = await CreateContainersAsync();
        await sources.UploadBlobAsync("photo.jpg", BinaryData.FromBytes(TestImages.Jpeg(2, 1920, 1080)));

        using var host = ServiceHosts.Worker(infrastructure, _suffix);
        const int total = 40;
        var jobs = Enumerable.Range(0, total).Select(i => Job("stop-" + _suffix, i, "photo.jpg")).ToList();
        await host.Services.GetRequiredService<ConfirmedPublisher>().PublishAsync(JobTopology.JobsQueue, jobs.Select(Message).ToList(), CancellationToken.None);

        await host.StartAsync();
        await CollectOutcomesAsync(3, TimeSpan.FromSeconds(60), keep: false);
        await host.StopAsync();

        await using var connection = await infrastructure.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var outcomes = await CollectOutcomesAsync(int.MaxValue, TimeSpan.FromSeconds(2), channel);
        var succeeded = outcomes.Where(o => o.Status == JobStatus.Succeeded).Select(o => o.JobId).Distinct().Count() + 3;
        var left = await DrainAsync(channel, JobTopology.JobsQueue);
        output.WriteLine($"succeeded before stop: {succeeded}, handed back untouched: {left.Count}");

        Assert.Equal(total, succeeded + left.Count);
        Assert.All(left, redelivered => Assert.False(redelivered));
        Assert.DoesNotContain(outcomes, o => o.Status == JobStatus.Failed || o.Redelivered);
    }

    [Fact]
    public async Task A_blob_store_outage_is_retried_through_delay_queues_until_the_store_is_back()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        var port = LoopbackPorts.Next();
        var connectionString = LocalInfrastructure.AzuriteConnectionString(port);
        using var host = ServiceHosts.Worker(infrastructure, _suffix, blobConnectionString: connectionString);
        var job = Job("outage-" + _suffix, 0, "photo.jpg");
        await host.Services.GetRequiredService<ConfirmedPublisher>().PublishAsync(JobTopology.JobsQueue, Message(job), CancellationToken.None);

        // The store holds the photo, then goes down before the job arrives (set up first, so no
        // attempt can meet a store that is up but still empty: that would be a missing source).
        using var data = new ScratchDirectory("imagejobs-outage");
        var azurite = LocalInfrastructure.StartAzurite(port, data.Path);
        try
        {
            await LocalInfrastructure.WaitForBlobServiceAsync(connectionString);
            var (sources, _) = await CreateContainersAsync(new BlobServiceClient(connectionString));
            await sources.UploadBlobAsync("photo.jpg", BinaryData.FromBytes(TestImages.Jpeg(3)));
        }
        finally
        {
            await StopAsync(azurite);
        }

        // The job fails and goes to the 1 s delay queue: its start and retry are reported (left in
        // the queue, to be read in order below), and only then is the store started again.
        await host.StartAsync();
        await using (var connection = await infrastructure.ConnectAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (await ServiceHosts.ReadyCountAsync(channel, JobTopology.OutcomesQueue) < 2)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), deadline.Token);
            }
        }

        azurite = LocalInfrastructure.StartAzurite(port, data.Path);
        try
        {
            // ...until the store is back: then it succeeds, and nothing was dead-lettered.
            var reports = await CollectOutcomesAsync(1, TimeSpan.FromSeconds(60), progress: true);
            await host.StopAsync();
            var outcome = Assert.Single(reports, r => !r.IsProgress);
            output.WriteLine(string.Join(", ", reports.Select(r => $"{r.Status}@{r.Attempt}")));
            Assert.Equal((job.JobId, JobStatus.Succeeded), (outcome.JobId, outcome.Status));
            Assert.True(outcome.Attempt >= 2, "the job should have failed while the store was down");

            // Each attempt reported its start, each failed one its retry with the reason, in order:
            // what the producer shows as in flight and retrying.
            var expected = Enumerable.Range(1, outcome.Attempt - 1)
                .SelectMany(attempt => new[] { (JobStatus.Started, attempt), (JobStatus.Retrying, attempt) })
                .Append((JobStatus.Started, outcome.Attempt)).Append((JobStatus.Succeeded, outcome.Attempt));
            Assert.Equal(expected, reports.Select(r => (r.Status, r.Attempt)));
            Assert.All(reports.Where(r => r.Status == JobStatus.Retrying), r => Assert.False(string.IsNullOrEmpty(r.ErrorCode)));
            await using var connection = await infrastructure.ConnectAsync();
            await using var channel = await connection.CreateChannelAsync();
            Assert.Equal(0u, await ServiceHosts.ReadyCountAsync(channel, JobTopology.DeadLetterQueue));
        }
        finally
        {
            await StopAsync(azurite);
        }
    }

    private static async Task StopAsync(Process azurite)
    {
        Processes.Signal(azurite.Id, Processes.SigTerm);
        await azurite.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_job_that_keeps_failing_transiently_is_dead_lettered_when_its_retries_run_out()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        using var host = ServiceHosts.Worker(infrastructure, _suffix,
            blobConnectionString: LocalInfrastructure.AzuriteConnectionString(LoopbackPorts.Next()),
            settings: new Dictionary<string, string?> { ["Messaging:TransientRetries"] = "1" });
        var job = Job("exhausted-" + _suffix, 0, "photo.jpg");
        await host.Services.GetRequiredService<ConfirmedPublisher>().PublishAsync(JobTopology.JobsQueue, Message(job), CancellationToken.None);

        await host.StartAsync();
        var deadLetter = Assert.Single(await CollectDeadLettersAsync(1, TimeSpan.FromSeconds(60)));
        await host.StopAsync();

        output.WriteLine($"{deadLetter.Failure.ErrorCode}: {deadLetter.Failure.Error}");
        Assert.Equal(job.JobId, deadLetter.JobId);
        Assert.Equal(ErrorCodes.RetriesExhausted, deadLetter.Failure.ErrorCode);
        Assert.Equal(2, deadLetter.Failure.Attempts);
    }

    [Fact]
    public async Task A_job_that_hangs_past_its_time_limit_is_abandoned_and_retried_then_dead_lettered()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        using var silent = new SilentEndpoint();
        using var host = ServiceHosts.Worker(infrastructure, _suffix, blobConnectionString: LocalInfrastructure.AzuriteConnectionString(silent.Port),
            settings: new Dictionary<string, string?>
            {
                ["Messaging:JobTimeout"] = "00:00:01",
                ["Messaging:TransientRetries"] = "1",
            });
        var job = Job("hung-" + _suffix, 0, "photo.jpg");
        await host.Services.GetRequiredService<ConfirmedPublisher>().PublishAsync(JobTopology.JobsQueue, Message(job), CancellationToken.None);

        await host.StartAsync();
        var deadLetter = Assert.Single(await CollectDeadLettersAsync(1, TimeSpan.FromSeconds(60)));
        await host.StopAsync();

        output.WriteLine($"{deadLetter.Failure.ErrorCode}: {deadLetter.Failure.Error}");
        Assert.Equal(ErrorCodes.RetriesExhausted, deadLetter.Failure.ErrorCode);
        Assert.Contains(ErrorCodes.Timeout, deadLetter.Failure.Error, StringComparison.Ordinal);
        Assert.Equal(2, deadLetter.Failure.Attempts);
    }

    private Task<(BlobContainerClient Sources, BlobContainerClient Results)> CreateContainersAsync() =>
        CreateContainersAsync(infrastructure.Blobs());

    private async Task<(BlobContainerClient Sources, BlobContainerClient Results)> CreateContainersAsync(BlobServiceClient blobs)
    {
        var sources = blobs.GetBlobContainerClient($"sources-{_suffix}");
        var results = blobs.GetBlobContainerClient($"results-{_suffix}");
        await sources.CreateIfNotExistsAsync();
        await results.CreateIfNotExistsAsync();
        return (sources, results);
    }

    private static RenderJob Job(string batchId, int index, string source) =>
        new(RenderJob.CaptionSchemaVersion, $"{batchId}-{index:D6}", batchId, index, source, $"Caption {index}", $"{batchId}/{index:D6}-{source}", null, DateTimeOffset.UtcNow);

    private static OutgoingMessage Message(RenderJob job) => new(job.JobId, JsonSerializer.SerializeToUtf8Bytes(job, JobJson.Default.RenderJob));

    private async Task PublishRawAsync(byte[] body)
    {
        await using var connection = await infrastructure.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.BasicPublishAsync(string.Empty, JobTopology.JobsQueue, mandatory: true, new BasicProperties { Persistent = true }, body);
    }

    /// <summary>Takes reports until <paramref name="count"/> job ends have come; progress reports are returned only when asked for.</summary>
    private async Task<List<JobOutcome>> CollectOutcomesAsync(int count, TimeSpan timeout, IChannel? channel = null, bool keep = true, bool progress = false)
    {
        await using var connection = channel is null ? await infrastructure.ConnectAsync() : null;
        var ch = channel ?? await connection!.CreateChannelAsync();
        var outcomes = new List<JobOutcome>();
        var ends = 0;
        var deadline = DateTime.UtcNow + timeout;
        while (ends < count && DateTime.UtcNow < deadline)
        {
            if (await ch.BasicGetAsync(JobTopology.OutcomesQueue, autoAck: false) is { } message)
            {
                var report = JsonSerializer.Deserialize(message.Body.Span, JobJson.Default.JobOutcome)!;
                ends += report.IsProgress ? 0 : 1;
                if (progress || !report.IsProgress)
                {
                    outcomes.Add(report);
                }

                await ch.BasicAckAsync(message.DeliveryTag, multiple: false);
            }
            else
            {
                await Task.Delay(50);
            }
        }

        if (channel is null)
        {
            await ch.DisposeAsync();
        }

        if (keep && count != int.MaxValue)
        {
            Assert.True(ends >= count, $"{ends} of {count} outcomes arrived in {timeout}");
        }

        return outcomes;
    }

    private async Task<List<(string? JobId, FailureDetails Failure)>> CollectDeadLettersAsync(int count, TimeSpan timeout)
    {
        await using var connection = await infrastructure.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var deadLetters = new List<(string?, FailureDetails)>();
        var deadline = DateTime.UtcNow + timeout;
        while (deadLetters.Count < count && DateTime.UtcNow < deadline)
        {
            if (await channel.BasicGetAsync(JobTopology.DeadLetterQueue, autoAck: true) is { } message)
            {
                deadLetters.Add((JobMessageReader.TryReadIds(message.Body.Span).JobId, FailureHeaders.Read(message.BasicProperties)));
            }
            else
            {
                await Task.Delay(50);
            }
        }

        Assert.True(deadLetters.Count == count, $"{deadLetters.Count} of {count} dead letters arrived in {timeout}");
        return deadLetters;
    }

    private static async Task<List<bool>> DrainAsync(IChannel channel, string queue)
    {
        var redelivered = new List<bool>();
        while (await channel.BasicGetAsync(queue, autoAck: true) is { } message)
        {
            redelivered.Add(message.Redelivered);
        }

        return redelivered;
    }
}
