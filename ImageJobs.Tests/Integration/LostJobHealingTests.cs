using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using System.Text.Json;
using ImageJobs.Contracts;
using ImageJobs.Messaging;
using ImageJobs.Producer.Batches;
using ImageJobs.Producer.Telemetry;
using ImageJobs.Storage;
using ImageJobs.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Options;

namespace ImageJobs.Tests.Integration;

/// <summary>Jobs the broker loses are published again from the batch's stored definition, a bounded number of times.</summary>
[Trait("Category", "Integration")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class LostJobHealingTests(LocalInfrastructure infrastructure, ITestOutputHelper output)
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    // A producer that judges a batch unheard of for 2 s, with nothing queued, as having lost its unended jobs.
    internal static Dictionary<string, string?> QuickToJudge(int republishes) => new()
    {
        ["LostJobs:QuietFor"] = "00:00:02",
        ["LostJobs:CheckEvery"] = "00:00:00.2",
        ["LostJobs:Republishes"] = republishes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Messaging:ProgressHeartbeat"] = "00:00:00.5",
    };

    [Fact]
    public async Task A_batch_whose_queued_jobs_are_purged_mid_batch_completes_with_exact_counts_and_nothing_lost()
    {
        const int total = 40;
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        var sources = infrastructure.Blobs().GetBlobContainerClient($"sources-{_suffix}");
        await sources.CreateIfNotExistsAsync();
        await Parallel.ForAsync(0, 10, async (i, ct) => await sources.UploadBlobAsync($"heal/{i}.jpg", BinaryData.FromBytes(TestImages.Jpeg(i, 640, 360)), ct));

        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix, QuickToJudge(republishes: 3));
        var meters = producer.App.Services.GetRequiredService<IMeterFactory>();
        using var republished = new MetricCollector<long>(meters, ProducerMetrics.MeterName, "imagejobs.jobs.republished");
        using var lost = new MetricCollector<long>(meters, ProducerMetrics.MeterName, "imagejobs.jobs.lost");
        var items = Enumerable.Range(0, total).Select(i => new BatchItem($"heal/{i % 10}.jpg", $"heal #{i}")).ToList();
        using var response = await producer.Http.PostAsJsonAsync("/api/batches", new SubmitBatchRequest { Items = items });
        var batch = (await response.Content.ReadFromJsonAsync<BatchAccepted>())!;

        using var worker = ServiceHosts.Worker(infrastructure, _suffix, settings: new Dictionary<string, string?> { ["Messaging:ProgressHeartbeat"] = "00:00:00.5" });
        await worker.StartAsync();
        try
        {
            await BatchPolling.WaitForAsync(producer.Http, batch.BatchId, s => s.Succeeded >= 5);

            // The broker loses what is queued, as a purge or a restart without its data would.
            uint purged;
            await using (var connection = await infrastructure.ConnectAsync())
            await using (var channel = await connection.CreateChannelAsync())
            {
                purged = await channel.QueuePurgeAsync(JobTopology.JobsQueue);
            }

            output.WriteLine($"purged {purged} of {total} jobs");
            Assert.True(purged > 0, "the purge should have found jobs still queued");

            var status = await BatchPolling.WaitForAsync(producer.Http, batch.BatchId, s => s.Done, TimeSpan.FromMinutes(2));
            Assert.Equal((total, 0, 0, 0, 0, true), (status.Succeeded, status.Failed, status.Pending, status.InFlight, status.Retrying, status.Done));
            Assert.Empty(status.Failures);
            Assert.Equal((long)purged, republished.GetMeasurementSnapshot().Sum(m => m.Value));
            Assert.Empty(lost.GetMeasurementSnapshot());
            var results = infrastructure.Blobs().GetBlobContainerClient($"results-{_suffix}");
            Assert.Equal(total, await results.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = batch.BatchId + "/" }).CountAsync());
        }
        finally
        {
            await worker.StopAsync();
        }
    }

    [Fact]
    public async Task A_job_lost_again_after_its_last_republish_is_failed_as_lost_with_a_reason_that_says_so()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        var sources = infrastructure.Blobs().GetBlobContainerClient($"sources-{_suffix}");
        await sources.CreateIfNotExistsAsync();
        for (var i = 0; i < 3; i++)
        {
            await sources.UploadBlobAsync($"again/p{i}.jpg", BinaryData.FromBytes([1]));
        }

        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix, QuickToJudge(republishes: 1));
        using var response = await producer.Http.PostAsJsonAsync("/api/batches", new { prefix = "again/", template = "{stem}" });
        var batch = (await response.Content.ReadFromJsonAsync<BatchAccepted>())!;
        await using var connection = await infrastructure.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var published = await DrainAsync(channel);

        // No worker: the republished copies are the same messages, and are lost again.
        var republishedCopies = await WaitForQueuedAsync(channel, 3);
        Assert.Equal(published, republishedCopies);
        var status = await BatchPolling.WaitForAsync(producer.Http, batch.BatchId, s => s.Done, TimeSpan.FromSeconds(30));

        Assert.Equal((0, 3, true), (status.Succeeded, status.Failed, status.Done));
        Assert.All(status.Failures, f => Assert.Equal(ErrorCodes.Lost, f.ErrorCode));
        Assert.Contains("lost again after each of its 1 republishes", status.Failures[0].Error, StringComparison.Ordinal);
        Assert.Equal(0u, await ServiceHosts.ReadyCountAsync(channel, JobTopology.JobsQueue));
    }

    [Fact]
    public async Task A_definition_reads_back_as_published_and_a_damaged_one_says_what_is_wrong()
    {
        var storage = Options.Create(new StorageOptions { BatchesContainer = $"batches-{_suffix}" });
        var container = infrastructure.Blobs().GetBlobContainerClient(storage.Value.BatchesContainer);
        await container.CreateIfNotExistsAsync();
        var definitions = new JobDefinitions(infrastructure.Blobs(), storage);
        var jobs = JobPlanner.Plan("b1", [new BatchItem("a.jpg", "first"), new BatchItem("b.jpg", "second \n line")], null, DateTimeOffset.UnixEpoch);
        await definitions.SaveAsync("b1", jobs, CancellationToken.None);

        var read = await definitions.ReadAsync("b1", 2, new HashSet<int> { 1 }, CancellationToken.None);
        Assert.Null(read.Problem);
        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(jobs[1], JobJson.Default.RenderJob), Assert.Single(read.Jobs).Value.ToArray());

        // Fewer jobs than the batch has; a job of another batch; no gzip; none at all.
        Assert.Equal("the batch's stored definition holds 2 of its 3 jobs", (await definitions.ReadAsync("b1", 3, new HashSet<int> { 2 }, CancellationToken.None)).Problem);
        await definitions.SaveAsync("b2", jobs, CancellationToken.None);
        var foreign = await definitions.ReadAsync("b2", 2, new HashSet<int> { 0 }, CancellationToken.None);
        Assert.Equal(("the batch's stored definition of job 0 names another job", 0), (foreign.Problem, foreign.Jobs.Count));
        await container.UploadBlobAsync("b3/jobs.jsonl.gz", BinaryData.FromString("not gzip"));
        Assert.StartsWith("the batch's stored definition is not readable", (await definitions.ReadAsync("b3", 1, new HashSet<int> { 0 }, CancellationToken.None)).Problem, StringComparison.Ordinal);
        Assert.StartsWith("the batch has no stored definition", (await definitions.ReadAsync("b4", 1, new HashSet<int> { 0 }, CancellationToken.None)).Problem, StringComparison.Ordinal);
    }

    /// <summary>Takes every queued job off the queue (as a purge would), returning their bodies by job id.</summary>
    private static async Task<Dictionary<string, string>> DrainAsync(RabbitMQ.Client.IChannel channel)
    {
        var bodies = new Dictionary<string, string>(StringComparer.Ordinal);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (bodies.Count < 3 && DateTime.UtcNow < deadline)
        {
            if (await channel.BasicGetAsync(JobTopology.JobsQueue, autoAck: true) is { } message)
            {
                bodies[message.BasicProperties.MessageId!] = System.Text.Encoding.UTF8.GetString(message.Body.Span);
            }
            else
            {
                await Task.Delay(50);
            }
        }

        return bodies;
    }

    private static async Task<Dictionary<string, string>> WaitForQueuedAsync(RabbitMQ.Client.IChannel channel, uint count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (await ServiceHosts.ReadyCountAsync(channel, JobTopology.JobsQueue) < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"fewer than {count} jobs were published again within 30 s");
            await Task.Delay(100);
        }

        return await DrainAsync(channel);
    }
}
