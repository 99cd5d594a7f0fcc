using System.Diagnostics;
using System.Net.Http.Json;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using ImageJobs.Contracts;
using ImageJobs.Messaging;
using ImageJobs.Producer.Batches;
using ImageJobs.Tests.Support;
using RabbitMQ.Client;

namespace ImageJobs.Tests.FaultInjection;

/// <summary>The producers' faults: any replica may die, and the batch goes on through the others.</summary>
public sealed partial class FaultScenarioTests
{
    [Fact]
    public async Task The_producer_killed_mid_publish_then_the_batch_resubmitted_with_its_idempotency_key()
    {
        const string prefix = "producer-kill/";
        var sources = system.Blobs.GetBlobContainerClient("sources");
        await Parallel.ForAsync(0, 20, async (i, ct) =>
            await sources.UploadBlobAsync($"{prefix}{i:D4}.jpg", BinaryData.FromBytes(TestImages.Jpeg(i, 320, 180)), ct));
        var total = Math.Max(Jobs * 5, 1_000);
        var request = new SubmitBatchRequest
        {
            Items = Enumerable.Range(0, total).Select(i => new BatchItem($"{prefix}{i % 20:D4}.jpg", $"#{i}")).ToList(),
        };
        var key = "producer-kill-" + Guid.NewGuid().ToString("N")[..8];
        var clock = Stopwatch.StartNew();

        // Kill the producer with SIGKILL while it publishes the batch: once jobs are in the queue.
        await using var connection = await new ConnectionFactory { Uri = new Uri((await system.App.GetConnectionStringAsync("messaging"))!) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var submission = system.SubmitAsync(request, key);
        var publishing = Stopwatch.StartNew();
        uint queued;
        while ((queued = (await channel.QueueDeclarePassiveAsync(JobTopology.JobsQueue)).MessageCount) == 0 && publishing.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(2);
        }

        // Every replica, so the one publishing is among them.
        var producers = system.ProducerPids();
        Assert.Equal(RunningSystem.Producers, producers.Count);
        foreach (var producer in producers)
        {
            Processes.Signal(producer, Processes.SigKill);
        }

        var interrupted = await Record.ExceptionAsync(() => submission);
        output.WriteLine($"SIGKILL producers {string.Join(", ", producers)} with {queued} of {total} jobs queued; the answer: {interrupted?.GetType().Name ?? "accepted before the kill"}");
        await system.RestoreProducerAsync(TimeSpan.FromMinutes(2));
        await system.WaitForProducerAsync(TimeSpan.FromMinutes(2));

        // The same key and request: the batch is completed, not duplicated.
        var batch = await system.SubmitAsync(request, key);
        Assert.Equal(JobPlanner.BatchIdForKey(key), batch.BatchId);
        Assert.Equal(total, batch.Total);
        var audit = await FinishAsync("producer SIGKILL mid-publish", batch, clock);
        Assert.Equal(0, audit.DeadLettered);
    }

    [Fact]
    public async Task One_of_two_producers_killed_with_sigkill_mid_batch()
    {
        var (batch, clock) = await StartBatchAsync("producer-replica-kill");
        await WaitForProgressAsync(batch, batch.Total / 4);

        // One replica dies with its unacked outcomes; the other takes them over and answers meanwhile.
        var producers = system.ProducerAddresses();
        Assert.Equal(RunningSystem.Producers, producers.Count);
        var (victim, survivor) = (producers[0], producers[1]);
        Processes.Signal(victim.Pid, Processes.SigKill);
        await WaitForExitAsync(victim.Pid);
        using (var direct = new HttpClient { BaseAddress = survivor.Address })
        {
            var meanwhile = (await direct.GetFromJsonAsync<BatchStatus>($"/api/batches/{batch.BatchId}"))!;
            output.WriteLine($"SIGKILL producer {victim.Pid}; through {survivor.Address} meanwhile: {meanwhile.Succeeded} of {meanwhile.Total} succeeded");
            Assert.Equal(batch.Total, meanwhile.Total);
        }

        await system.RestoreProducerAsync(TimeSpan.FromMinutes(2));
        var audit = await FinishAsync("one of two producers SIGKILL", batch, clock);
        Assert.Equal(0, audit.DeadLettered);

        // Exact counts, no job taken for lost, and every replica (the restarted one too) says the same.
        foreach (var producer in system.ProducerAddresses())
        {
            using var direct = new HttpClient { BaseAddress = producer.Address };
            var status = await ReadWhenServingAsync(direct, batch.BatchId);
            Assert.Equal((batch.Total, 0, 0, 0, 0, true), (status.Succeeded, status.Failed, status.Pending, status.InFlight, status.Retrying, status.Done));
            Assert.Empty((await direct.GetFromJsonAsync<List<JobFailure>>($"/api/batches/{batch.BatchId}/failures"))!);
        }
    }

    /// <summary>The batch's status through one replica, once it serves (a restarted one takes a moment to listen).</summary>
    private static async Task<BatchStatus> ReadWhenServingAsync(HttpClient direct, string batchId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            try
            {
                return (await direct.GetFromJsonAsync<BatchStatus>($"/api/batches/{batchId}"))!;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(250);
            }
        }
    }
}
