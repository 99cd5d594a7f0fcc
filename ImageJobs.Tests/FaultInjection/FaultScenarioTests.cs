using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using ImageJobs.Contracts;
using ImageJobs.Messaging;
using ImageJobs.Producer.Batches;
using ImageJobs.Rendering;
using ImageJobs.Tests.EndToEnd;
using ImageJobs.Tests.Support;
using ImageJobs.Worker.Processing;
using RabbitMQ.Client;

namespace ImageJobs.Tests.FaultInjection;

/// <summary>
/// Faults injected into the running system while a batch runs; after each, every job must have
/// succeeded or been dead-lettered with a reason: lost = 0 and unexpected = 0, always.
/// IMAGEJOBS_FAULT_JOBS sets the batch size (default 240; the soak script runs thousands).
/// The producers' scenarios are in FaultScenarioTests.Producers.cs.
/// </summary>
[Trait("Category", "Faults")]
[Collection(AppHostGroup.Name)]
public sealed partial class FaultScenarioTests(RunningSystem system, ITestOutputHelper output) : IClassFixture<RunningSystem>
{
    private static readonly int Jobs = int.TryParse(Environment.GetEnvironmentVariable("IMAGEJOBS_FAULT_JOBS"), CultureInfo.InvariantCulture, out var jobs) ? jobs : 240;
    private static readonly TimeSpan BatchTimeout = TimeSpan.FromMinutes(6);

    [Fact]
    public async Task Workers_killed_with_sigkill_mid_job_again_and_again()
    {
        var (batch, clock) = await StartBatchAsync("sigkill");
        for (var kill = 0; kill < 3; kill++)
        {
            await WaitForProgressAsync(batch, (kill + 1) * Jobs / 5);
            var victim = system.WorkerPids()[0];
            Processes.Signal(victim, Processes.SigKill);
            output.WriteLine($"SIGKILL worker {victim}");
            await WaitForExitAsync(victim);
            await system.RestoreWorkersAsync(TimeSpan.FromMinutes(2));
        }

        var audit = await FinishAsync("worker SIGKILL x3", batch, clock);
        Assert.Equal(0, audit.DeadLettered);
        Assert.True(audit.Redelivered >= 1, "killed workers' jobs should have been redelivered");
    }

    [Fact]
    public async Task Workers_stopped_with_sigterm_one_after_another_hand_back_nothing()
    {
        var (batch, clock) = await StartBatchAsync("sigterm");
        foreach (var worker in system.WorkerPids())
        {
            await WaitForProgressAsync(batch, (await system.StatusAsync(batch.BatchId)).Succeeded + Jobs / 10);
            Processes.Signal(worker, Processes.SigTerm);
            output.WriteLine($"SIGTERM worker {worker}");
            await WaitForExitAsync(worker);
            await system.RestoreWorkersAsync(TimeSpan.FromMinutes(2));
        }

        var audit = await FinishAsync("rolling SIGTERM", batch, clock);
        Assert.Equal(0, audit.DeadLettered);
        Assert.Equal(0, audit.Redelivered);
    }

    [Fact]
    public async Task The_broker_restarted_mid_batch()
    {
        var (batch, clock) = await StartBatchAsync("broker");
        await WaitForProgressAsync(batch, Jobs / 4);
        output.WriteLine("restarting RabbitMQ");
        await system.ExecuteAsync("messaging", KnownResourceCommands.RestartCommand);

        var audit = await FinishAsync("broker restart", batch, clock);
        Assert.Equal(0, audit.DeadLettered);
    }

    [Fact]
    public async Task The_blob_store_down_for_20_seconds_mid_batch()
    {
        var audit = await StopMidBatchAsync("blob-outage", "blobs", "blob store down 20 s");
        Assert.Equal(0, audit.DeadLettered);
    }

    /// <summary>Stops a resource for 20 s a quarter into a batch, and audits the batch.</summary>
    private async Task<BatchAudit> StopMidBatchAsync(string scenario, string resource, string row)
    {
        var (batch, clock) = await StartBatchAsync(scenario);
        await WaitForProgressAsync(batch, Jobs / 4);
        output.WriteLine($"stopping {resource} for 20 s");
        await system.ExecuteAsync(resource, KnownResourceCommands.StopCommand);
        await Task.Delay(TimeSpan.FromSeconds(20));
        await system.ExecuteAsync(resource, KnownResourceCommands.StartCommand);
        return await FinishAsync(row, batch, clock);
    }

    [Fact]
    public async Task Poison_inputs_are_dead_lettered_with_their_codes_and_nothing_else_is()
    {
        const string prefix = "poison/";
        var sources = system.Blobs.GetBlobContainerClient("sources");
        var good = TestImages.Jpeg(7);
        var poison = new Dictionary<string, (byte[]? Bytes, string Code)>
        {
            ["corrupt.jpg"] = ([.. good.AsSpan(0, 200), .. new byte[4000]], ErrorCodes.CorruptImage),
            ["truncated.jpg"] = (good[..(good.Length / 2)], ErrorCodes.TruncatedImage),
            ["empty.png"] = ([], ErrorCodes.EmptySource),
            ["bomb.png"] = (DecompressionBomb(60_000, 60_000), ErrorCodes.TooManyPixels),
            ["notes.jpg"] = (Encoding.UTF8.GetBytes("these are not pixels"), ErrorCodes.NotAnImage),
            ["missing.jpg"] = (null, ErrorCodes.SourceNotFound),
        };
        foreach (var (name, (bytes, _)) in poison)
        {
            if (bytes is not null)
            {
                await sources.UploadBlobAsync(prefix + name, BinaryData.FromBytes(bytes));
            }
        }

        await UploadAsync(prefix + "good-", 20);
        var items = poison.Keys.Select(name => new BatchItem(prefix + name, name))
            .Concat(Enumerable.Range(0, 20).Select(i => new BatchItem($"{prefix}good-{i:D4}.jpg", $"good {i}")))
            .ToList();
        var clock = Stopwatch.StartNew();
        var batch = await system.SubmitAsync(new SubmitBatchRequest { Items = items });

        var audit = await FinishAsync("poison inputs", batch, clock);
        var expectedCodes = poison.Select((p, i) => (JobPlanner.JobId(batch.BatchId, i), p.Value.Code)).ToDictionary();
        Assert.Equal(expectedCodes, audit.FailureCodes.ToDictionary(f => f.Key, f => f.Value!));
        Assert.Equal(20, audit.Succeeded);

        // After a fix, the missing image's job is requeued and succeeds; the counts follow.
        await sources.UploadBlobAsync(prefix + "missing.jpg", BinaryData.FromBytes(good));
        var missingJob = JobPlanner.JobId(batch.BatchId, poison.Keys.ToList().IndexOf("missing.jpg"));
        using var requeue = await system.Http.PostAsJsonAsync($"/api/batches/{batch.BatchId}/requeue", new RequeueRequest([missingJob]));
        var requeued = await requeue.Content.ReadFromJsonAsync<RequeueResult>();
        Assert.Equal(1, requeued!.Requeued);
        var after = await system.WaitUntilDoneAsync(batch.BatchId, BatchTimeout);
        output.WriteLine($"after requeue: succeeded {after.Succeeded}, failed {after.Failed}");
        Assert.Equal((21, poison.Count - 1), (after.Succeeded, after.Failed));
    }

    /// <summary>A valid PNG header that declares a huge image, with almost no data behind it.</summary>
    private static byte[] DecompressionBomb(int width, int height)
    {
        using var stream = new MemoryStream();
        stream.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 2; // colour type RGB
        WriteChunk(stream, "IHDR", header);
        WriteChunk(stream, "IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        WriteChunk(stream, "IEND", []);
        return stream.ToArray();
    }

    private static void WriteChunk(Stream stream, string type, byte[] data)
    {
        var length = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        stream.Write(length);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        stream.Write(typed);
        var crc = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(crc, System.IO.Hashing.Crc32.HashToUInt32(typed));
        stream.Write(crc);
    }

    private async Task<(BatchAccepted Batch, Stopwatch Clock)> StartBatchAsync(string scenario)
    {
        var prefix = $"{scenario}/";
        await UploadAsync(prefix, Math.Min(Jobs, 40));
        // Photographs are reused across the batch: one image may carry many captions.
        var items = Enumerable.Range(0, Jobs)
            .Select(i => new BatchItem($"{prefix}{i % Math.Min(Jobs, 40):D4}.jpg", $"{scenario} #{i}"))
            .ToList();
        var clock = Stopwatch.StartNew();
        return (await system.SubmitAsync(new SubmitBatchRequest { Items = items }), clock);
    }

    private async Task UploadAsync(string prefix, int count)
    {
        var sources = system.Blobs.GetBlobContainerClient("sources");
        await Parallel.ForAsync(0, count, async (i, ct) =>
            await sources.UploadBlobAsync($"{prefix}{i:D4}.jpg", BinaryData.FromBytes(TestImages.Jpeg(i, 1280, 720)), ct));
    }

    private async Task WaitForProgressAsync(BatchAccepted batch, int completed)
    {
        var deadline = DateTime.UtcNow + BatchTimeout;
        while ((await system.StatusAsync(batch.BatchId)) is var status && status.Succeeded + status.Failed < Math.Min(completed, batch.Total - 1))
        {
            Assert.True(DateTime.UtcNow < deadline, $"no progress to {completed} in {BatchTimeout}");
            await Task.Delay(100);
        }
    }

    private static async Task WaitForExitAsync(int pid)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
        while (Directory.Exists($"/proc/{pid}"))
        {
            Assert.True(DateTime.UtcNow < deadline, $"process {pid} did not exit within 45 s");
            await Task.Delay(100);
        }
    }

    private async Task<BatchAudit> FinishAsync(string scenario, BatchAccepted batch, Stopwatch clock)
    {
        var status = await system.WaitUntilDoneAsync(batch.BatchId, BatchTimeout);
        var audit = await BatchAudit.TakeAsync(scenario, system, batch, clock.Elapsed);
        output.WriteLine(audit.ToString());
        foreach (var code in audit.FailureCodes.GroupBy(f => f.Value))
        {
            output.WriteLine($"  dead-lettered as {code.Key}: {code.Count()} ({string.Join(", ", code.Take(3).Select(f => f.Key))})");
        }

        if (audit.FailureCodes.Count > 0)
        {
            foreach (var failure in (await system.Http.GetFromJsonAsync<List<Producer.Batches.JobFailure>>($"/api/batches/{batch.BatchId}/failures?limit=2"))!)
            {
                output.WriteLine($"  {failure.JobId}: {failure.Error}");
            }
        }

        Assert.True(status.Done, $"batch not done: {status}");
        Assert.Equal(0, audit.Lost);
        Assert.Equal(0, audit.Unexpected);
        Assert.Equal(batch.Total, audit.Succeeded + audit.DeadLettered);
        await system.RestoreWorkersAsync(TimeSpan.FromMinutes(2));
        return audit;
    }
}
