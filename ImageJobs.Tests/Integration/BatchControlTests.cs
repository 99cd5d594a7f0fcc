using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ImageJobs.Messaging;
using ImageJobs.Producer.Batches;
using ImageJobs.Producer.Telemetry;
using ImageJobs.Producer.Webhooks;
using ImageJobs.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;

namespace ImageJobs.Tests.Integration;

/// <summary>
/// Cancel, pause and resume against a real producer, real workers, RabbitMQ and Azurite: what a
/// cancelled or paused batch's workers do with its jobs, what is counted, and the signed events.
/// </summary>
[Trait("Category", "Integration")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class BatchControlTests(LocalInfrastructure infrastructure, ITestOutputHelper output) : IAsyncLifetime
{
    // Workers trust a batch's control this long; the producer looks for held jobs this often.
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan CheckEvery = TimeSpan.FromMilliseconds(500);

    // A control has reached every worker, and the jobs in their hands have ended, after this.
    private static readonly TimeSpan Settle = CacheFor + TimeSpan.FromSeconds(4);

    private readonly string _suffix = "ctl" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _secret = WebhookSignature.NewSecret();

    public Task InitializeAsync() => ServiceHosts.ResetQueuesAsync(infrastructure);

    public async Task DisposeAsync()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await infrastructure.Tables().DeleteTableAsync(LocalInfrastructure.TableName(_suffix));
    }

    private static Dictionary<string, string?> ProducerSettings() => new()
    {
        ["Control:CheckEvery"] = CheckEvery.ToString(),
        ["Webhooks:AllowHttp"] = "true",
        ["Webhooks:AllowedHosts:0"] = "127.0.0.1",
        ["Webhooks:PollEvery"] = "00:00:00.100",
    };

    private IHost Worker() => ServiceHosts.Worker(infrastructure, _suffix, settings: new Dictionary<string, string?> { ["Control:CacheFor"] = CacheFor.ToString() });

    [Fact]
    public async Task A_batch_cancelled_mid_way_ends_cancelled_with_nothing_rendered_after_the_cancel_settles_and_nothing_lost()
    {
        const int total = 200;
        await using var receiver = await WebhookReceiver.StartAsync(_secret);
        receiver.FailFirst = 0;
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix, ProducerSettings());
        using var lost = new MetricCollector<long>(producer.App.Services.GetRequiredService<IMeterFactory>(), ProducerMetrics.MeterName, "imagejobs.jobs.lost");
        var batchId = await SubmitAsync(producer, total, receiver.Url("/flaky"));
        using var a = Worker();
        using var b = Worker();
        await Task.WhenAll(a.StartAsync(), b.StartAsync());
        try
        {
            await BatchPolling.WaitForAsync(producer.Http, batchId, s => s.Succeeded >= 10, TimeSpan.FromMinutes(2));
            var cancelled = await ControlAsync(producer, batchId, "cancel", HttpStatusCode.OK);
            Assert.Contains(cancelled.GetProperty("state").GetString(), new[] { BatchStates.Cancelling, BatchStates.Cancelled });
            // Asked again: the same, harmlessly. Resumed or paused: refused with the code that says why.
            await ControlAsync(producer, batchId, "cancel", HttpStatusCode.OK);
            Assert.Equal(BatchControlCodes.Cancelled, (await ControlAsync(producer, batchId, "resume", HttpStatusCode.Conflict)).GetProperty("code").GetString());
            Assert.Equal(BatchControlCodes.Cancelled, (await ControlAsync(producer, batchId, "pause", HttpStatusCode.Conflict)).GetProperty("code").GetString());

            await Task.Delay(Settle);
            var settled = await producer.Http.GetFromJsonAsync<BatchStatus>($"/api/batches/{batchId}");
            var status = await BatchPolling.WaitForAsync(producer.Http, batchId, s => s.Done, TimeSpan.FromMinutes(2));
            output.WriteLine($"succeeded {status.Succeeded}, cancelled {status.Cancelled} (succeeded {settled!.Succeeded} once the cancel settled)");

            Assert.Equal((total, 0, 0, 0, BatchStates.Cancelled), (status.Succeeded + status.Cancelled, status.Failed, status.Pending, status.Held, status.State));
            Assert.True(status.Cancelled > 0, "the cancel came mid-batch: some jobs must have been cancelled");
            Assert.Equal(settled.Succeeded, status.Succeeded);
            Assert.Equal(status.Succeeded, await ResultCountAsync(batchId));
            Assert.Empty(status.Failures);
            Assert.Empty(lost.GetMeasurementSnapshot());

            var events = await ReceivedAsync(receiver, WebhookEventTypes.BatchCancelled, WebhookEventTypes.BatchCompleted);
            Assert.Equal(BatchStates.Cancelled, events[WebhookEventTypes.BatchCancelled].GetProperty("state").GetString());
            var completed = events[WebhookEventTypes.BatchCompleted];
            Assert.Equal((status.Succeeded, status.Cancelled, 0), (completed.GetProperty("succeeded").GetInt32(), completed.GetProperty("cancelled").GetInt32(), completed.GetProperty("failed").GetInt32()));

            // Finished: nothing more to control.
            Assert.Equal(BatchControlCodes.Cancelled, (await ControlAsync(producer, batchId, "pause", HttpStatusCode.Conflict)).GetProperty("code").GetString());
            await ControlAsync(producer, "20260101-000000-00000000", "cancel", HttpStatusCode.NotFound);
        }
        finally
        {
            await Task.WhenAll(a.StopAsync(), b.StopAsync());
        }
    }

    [Fact]
    public async Task A_paused_batch_renders_nothing_holds_its_jobs_out_of_the_work_queue_and_completes_after_resume_without_loss_or_duplicates()
    {
        const int total = 120;
        await using var receiver = await WebhookReceiver.StartAsync(_secret);
        receiver.FailFirst = 0;
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix, ProducerSettings());
        var meters = producer.App.Services.GetRequiredService<IMeterFactory>();
        using var lost = new MetricCollector<long>(meters, ProducerMetrics.MeterName, "imagejobs.jobs.lost");
        using var republished = new MetricCollector<long>(meters, ProducerMetrics.MeterName, "imagejobs.jobs.republished");
        var batchId = await SubmitAsync(producer, total, receiver.Url("/flaky"));
        using var a = Worker();
        using var b = Worker();
        await Task.WhenAll(a.StartAsync(), b.StartAsync());
        try
        {
            await BatchPolling.WaitForAsync(producer.Http, batchId, s => s.Succeeded >= 10, TimeSpan.FromMinutes(2));
            Assert.Equal(BatchStates.Paused, (await ControlAsync(producer, batchId, "pause", HttpStatusCode.OK)).GetProperty("state").GetString());
            await ControlAsync(producer, batchId, "pause", HttpStatusCode.OK);

            await Task.Delay(Settle);
            var paused = await BatchPolling.WaitForAsync(producer.Http, batchId, s => s.Held + s.Succeeded == total);
            var rendered = await ResultCountAsync(batchId);
            // Longer than the workers' cache and many of the producer's sweeps: nothing renders, nothing is released.
            await Task.Delay(4 * CacheFor + (4 * CheckEvery));
            var later = await producer.Http.GetFromJsonAsync<BatchStatus>($"/api/batches/{batchId}");
            output.WriteLine($"paused: {paused.Succeeded} succeeded, {paused.Held} held");
            Assert.Equal((BatchStates.Paused, paused.Succeeded, paused.Held, 0.0, (double?)null), (later!.State, later.Succeeded, later.Held, later.PerSecond, later.EtaSeconds));
            Assert.True(later.Held > 0, "the pause came mid-batch: some jobs must be held");
            Assert.Equal(rendered, await ResultCountAsync(batchId));
            Assert.Equal(paused.Succeeded, rendered);
            Assert.Equal(0u, await JobsQueuedAsync());

            Assert.Equal(BatchStates.Running, (await ControlAsync(producer, batchId, "resume", HttpStatusCode.OK)).GetProperty("state").GetString());
            var status = await BatchPolling.WaitForAsync(producer.Http, batchId, s => s.Done, TimeSpan.FromMinutes(2));
            Assert.Equal((total, 0, 0, 0, BatchStates.Completed), (status.Succeeded, status.Failed, status.Cancelled, status.Held, status.State));
            Assert.Equal(total, await ResultCountAsync(batchId));
            Assert.Equal(0, (await producer.App.Services.GetRequiredService<BatchStore>().ReadCountsAsync(batchId, CancellationToken.None)).RepeatedEnds);
            Assert.Empty(lost.GetMeasurementSnapshot());
            Assert.Empty(republished.GetMeasurementSnapshot());
            Assert.Equal(BatchControlCodes.Finished, (await ControlAsync(producer, batchId, "resume", HttpStatusCode.Conflict)).GetProperty("code").GetString());

            var events = await ReceivedAsync(receiver, WebhookEventTypes.BatchPaused, WebhookEventTypes.BatchResumed, WebhookEventTypes.BatchCompleted);
            Assert.Equal(paused.Held, events[WebhookEventTypes.BatchResumed].GetProperty("held").GetInt32());
            Assert.Equal(total, events[WebhookEventTypes.BatchCompleted].GetProperty("succeeded").GetInt32());
        }
        finally
        {
            await Task.WhenAll(a.StopAsync(), b.StopAsync());
        }
    }

    private async Task<string> SubmitAsync(InProcessProducer producer, int total, string callback)
    {
        var sources = infrastructure.Blobs().GetBlobContainerClient($"sources-{_suffix}");
        await sources.CreateIfNotExistsAsync();
        // Photograph-sized, so that a job takes long enough for a control to come mid-batch.
        await Parallel.ForAsync(0, 10, async (i, ct) => await sources.UploadBlobAsync($"ctl/{i}.jpg", BinaryData.FromBytes(TestImages.Jpeg(i, 1600, 900)), ct));
        using var response = await producer.Http.PostAsJsonAsync("/api/batches", new SubmitBatchRequest
        {
            Items = [.. Enumerable.Range(0, total).Select(i => new BatchItem($"ctl/{i % 10}.jpg", $"control #{i}"))],
            Webhook = new WebhookRequest(callback, _secret),
        });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<BatchAccepted>())!.BatchId;
    }

    private static async Task<JsonElement> ControlAsync(InProcessProducer producer, string batchId, string action, HttpStatusCode expected)
    {
        using var response = await producer.Http.PostAsync($"/api/batches/{batchId}/{action}", null);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{action}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private async Task<int> ResultCountAsync(string batchId) =>
        await infrastructure.Blobs().GetBlobContainerClient($"results-{_suffix}")
            .GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = batchId + "/" }).CountAsync();

    private async Task<uint> JobsQueuedAsync()
    {
        await using var connection = await infrastructure.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        return await ServiceHosts.ReadyCountAsync(channel, JobTopology.JobsQueue);
    }

    /// <summary>The data of each event type named, once each is received, every request's signature checked.</summary>
    private static async Task<Dictionary<string, JsonElement>> ReceivedAsync(WebhookReceiver receiver, params string[] types)
    {
        static string TypeOf(ReceivedWebhook r) => JsonDocument.Parse(r.Body).RootElement.GetProperty("type").GetString()!;
        var received = await receiver.WaitForAsync(r => types.All(t => r.Any(x => x.Answer == 200 && TypeOf(x) == t)), TimeSpan.FromSeconds(30));
        Assert.All(received, r => Assert.True(r.Authentic, $"{r.Id}: signature {r.Signature} does not verify"));
        return received.Where(r => r.Answer == 200).GroupBy(TypeOf).ToDictionary(g => g.Key, g => JsonDocument.Parse(g.First().Body).RootElement.GetProperty("data").Clone());
    }
}
