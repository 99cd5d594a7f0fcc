using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Blobs.Models;
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

/// <summary>The producer's HTTP API, in process, against a real RabbitMQ and a real Azurite.</summary>
[Trait("Category", "Integration")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class ProducerTests(LocalInfrastructure infrastructure, ITestOutputHelper output)
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    // A producer that takes a batch unheard of for 2 s, with nothing queued, as lost, and fails
    // its lost jobs at once (republishing them is LostJobHealingTests').
    private static readonly Dictionary<string, string?> QuickToJudgeLostJobs = LostJobHealingTests.QuickToJudge(republishes: 0);

    [Fact]
    public async Task Invalid_requests_get_a_problem_naming_the_field_and_publish_nothing()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await using var producer = await StartProducerAsync();

        using var response = await producer.Http.PostAsJsonAsync("/api/batches", new { items = new[] { new { source = "", text = "x" } }, style = new { color = "blue" } });
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var fields = problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).ToList();
        Assert.Contains("items[0].source", fields);
        Assert.Contains("style.color", fields);
        Assert.Equal(0u, await ReadyAsync(JobTopology.JobsQueue));
        Assert.Equal(HttpStatusCode.NotFound, (await producer.Http.GetAsync("/api/batches/no-such-batch")).StatusCode);
    }

    [Fact]
    public async Task A_batch_is_published_as_one_persistent_job_per_image_and_its_progress_survives_a_restart()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await UploadSourcesAsync("in/", 3);

        BatchAccepted batch;
        await using (var producer = await StartProducerAsync())
        {
            using var response = await producer.Http.PostAsJsonAsync("/api/batches", new { prefix = "in/", template = "{stem}!" });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            batch = (await response.Content.ReadFromJsonAsync<BatchAccepted>())!;
            Assert.Equal(3, batch.Total);
            Assert.Equal($"/api/batches/{batch.BatchId}", response.Headers.Location?.OriginalString);
        }

        // The jobs: persistent JSON, the job id as message id, texts from the template.
        await using var connection = await infrastructure.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var jobs = new List<RenderJob>();
        while (await channel.BasicGetAsync(JobTopology.JobsQueue, autoAck: true) is { } message)
        {
            Assert.True(message.BasicProperties.Persistent);
            Assert.Equal("application/json", message.BasicProperties.ContentType);
            var job = JsonSerializer.Deserialize(message.Body.Span, JobJson.Default.RenderJob)!;
            Assert.Equal(job.JobId, message.BasicProperties.MessageId);
            jobs.Add(job);
        }

        Assert.Equal(["p0!", "p1!", "p2!"], jobs.OrderBy(j => j.Index).Select(j => j.Text));

        // Two outcomes (one duplicated) arrive while no producer runs, and the third job is reported
        // started, then retrying; a new producer counts each job once, in its latest state.
        var publish = ServiceHosts.Worker(infrastructure, _suffix, consume: false).Services.GetRequiredService<ConfirmedPublisher>();
        foreach (var (job, status) in new[] { (jobs[0], JobStatus.Succeeded), (jobs[0], JobStatus.Succeeded), (jobs[1], JobStatus.Succeeded), (jobs[2], JobStatus.Started), (jobs[2], JobStatus.Retrying) })
        {
            await ReportAsync(publish, job, status);
        }

        await using (var restarted = await StartProducerAsync())
        {
            var status = await BatchPolling.WaitForAsync(restarted.Http, batch.BatchId, s => s.Succeeded == 2 && s.Retrying == 1);
            Assert.Equal((3, 2, 0, 1, 1, 0, false), (status.Total, status.Succeeded, status.Failed, status.Pending, status.Retrying, status.InFlight, status.Done));
        }

        // And a third producer, with nothing in the queue, reads the same counts from the shared store.
        await using var third = await StartProducerAsync();
        Assert.Equal(2, (await third.Http.GetFromJsonAsync<BatchStatus>($"/api/batches/{batch.BatchId}"))!.Succeeded);
    }

    [Fact]
    public async Task Jobs_the_broker_lost_are_failed_with_a_reason_and_jobs_still_queued_are_not()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await UploadSourcesAsync("lost/", 3);

        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix, QuickToJudgeLostJobs);
        using var lostJobs = new MetricCollector<long>(producer.App.Services.GetRequiredService<IMeterFactory>(), ProducerMetrics.MeterName, "imagejobs.jobs.lost");
        using var response = await producer.Http.PostAsJsonAsync("/api/batches", new { prefix = "lost/", template = "{stem}" });
        var batch = (await response.Content.ReadFromJsonAsync<BatchAccepted>())!;

        // Queued, with no worker to take them: however long nothing is heard, they are not lost.
        await Task.Delay(TimeSpan.FromSeconds(4));
        var waiting = (await producer.Http.GetFromJsonAsync<BatchStatus>($"/api/batches/{batch.BatchId}"))!;
        Assert.Equal((0, 3), (waiting.Failed, waiting.Pending));

        // The broker loses them, as one restarted without its data would: the batch ends, each job failed with why.
        await using (var connection = await infrastructure.ConnectAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            Assert.Equal(3u, await channel.QueuePurgeAsync(JobTopology.JobsQueue));
        }

        var status = await BatchPolling.WaitForAsync(producer.Http, batch.BatchId, s => s.Done);
        Assert.Equal((0, 3, true), (status.Succeeded, status.Failed, status.Done));
        Assert.All(status.Failures, f => Assert.Equal(ErrorCodes.Lost, f.ErrorCode));
        Assert.Contains("no queue holds it", status.Failures[0].Error, StringComparison.Ordinal);
        Assert.Equal(3, lostJobs.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    [Fact]
    public async Task A_job_a_worker_holds_past_the_quiet_period_is_not_taken_for_lost_while_its_start_is_reported_again()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await UploadSourcesAsync("held/", 1);
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix, QuickToJudgeLostJobs);

        // The worker's download hangs (a store that never answers), for longer than the producer waits
        // before taking a silent batch for lost: only its repeated start keeps the job alive.
        using var silent = new SilentEndpoint();
        using var worker = ServiceHosts.Worker(infrastructure, _suffix, blobConnectionString: LocalInfrastructure.AzuriteConnectionString(silent.Port),
            settings: new Dictionary<string, string?> { ["Messaging:JobTimeout"] = "00:01:00", ["Messaging:ProgressHeartbeat"] = "00:00:00.5" });
        await worker.StartAsync();
        try
        {
            using var response = await producer.Http.PostAsJsonAsync("/api/batches", new { prefix = "held/", template = "{stem}" });
            var batch = (await response.Content.ReadFromJsonAsync<BatchAccepted>())!;
            await BatchPolling.WaitForAsync(producer.Http, batch.BatchId, s => s.InFlight == 1);
            await Task.Delay(TimeSpan.FromSeconds(4));

            var status = (await producer.Http.GetFromJsonAsync<BatchStatus>($"/api/batches/{batch.BatchId}"))!;
            Assert.Equal((0, 1, 1, false), (status.Failed, status.Pending, status.InFlight, status.Done));
        }
        finally
        {
            // The hung download fails at once, so the worker stops without waiting out the job's time limit.
            silent.Dispose();
            await worker.StopAsync();
        }
    }

    [Fact]
    public async Task The_same_idempotency_key_publishes_a_batch_once_and_refuses_a_different_request()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await using var producer = await StartProducerAsync();
        var request = new { items = new[] { new { source = "a.jpg", text = "A" }, new { source = "b.jpg", text = "B" } } };
        var key = "import-" + _suffix;

        var first = await SubmitAsync(producer.Http, request, key);
        var again = await SubmitAsync(producer.Http, request, key);
        using var conflict = await SendAsync(producer.Http, new { items = new[] { new { source = "c.jpg", text = "C" } } }, key);

        Assert.Equal(first.BatchId, again.BatchId);
        Assert.Equal(2, await ReadyOfBatchAsync(first.BatchId));
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
    }

    [Fact]
    public async Task A_batch_whose_publishing_was_cut_short_is_published_again_on_resubmission()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await using var producer = await StartProducerAsync();
        var request = new SubmitBatchRequest { Items = [new BatchItem("a.jpg", "A"), new BatchItem("b.jpg", "B")] };
        var key = "cut-short-" + _suffix;

        // What a producer killed mid-publish leaves behind: the batch recorded, not marked published,
        // and no mark of a publisher since (as long as a resubmission waits for one to finish).
        var store = producer.App.Services.GetRequiredService<BatchStore>();
        var batchId = JobPlanner.BatchIdForKey(key);
        var killedAt = DateTimeOffset.UtcNow - PublisherLease.Silence;
        await store.SaveAsync(new BatchDefinition(batchId, killedAt, 2, Published: false, JobPlanner.RequestHash(request)), CancellationToken.None);

        var accepted = await SubmitAsync(producer.Http, request, key);

        Assert.Equal(batchId, accepted.BatchId);
        Assert.Equal(2, await ReadyOfBatchAsync(batchId));
        Assert.True((await store.LoadAsync(batchId, CancellationToken.None))!.Published);
    }

    [Fact]
    public async Task Reports_wait_in_their_group_but_the_end_of_a_batch_s_last_job_is_stored_at_once()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await UploadSourcesAsync("grouped/", 3);
        // A window longer than the test waits: only the last job's end can store its group in time.
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix,
            new Dictionary<string, string?> { ["Outcomes:Window"] = "00:01:00", ["Outcomes:TailJobs"] = "1" });
        using var response = await producer.Http.PostAsJsonAsync("/api/batches", new { prefix = "grouped/", template = "{stem}" });
        var batch = (await response.Content.ReadFromJsonAsync<BatchAccepted>())!;
        var jobs = await QueuedJobs.TakeAsync(infrastructure, 3);
        Assert.All(jobs, job => Assert.Equal(batch.BatchId, job.BatchId));

        var publish = ServiceHosts.Worker(infrastructure, _suffix, consume: false).Services.GetRequiredService<ConfirmedPublisher>();
        await ReportAsync(publish, jobs[0], JobStatus.Succeeded);
        await ReportAsync(publish, jobs[1], JobStatus.Succeeded);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(0, (await producer.Http.GetFromJsonAsync<BatchStatus>($"/api/batches/{batch.BatchId}"))!.Succeeded);

        await ReportAsync(publish, jobs[2], JobStatus.Succeeded);
        var status = await BatchPolling.WaitForAsync(producer.Http, batch.BatchId, s => s.Done, TimeSpan.FromSeconds(20));
        Assert.Equal((true, 3), (status.Done, status.Succeeded));
    }

    /// <summary>What a worker reports of <paramref name="job"/>, published as a worker does.</summary>
    private static Task ReportAsync(ConfirmedPublisher publish, RenderJob job, JobStatus status) =>
        publish.PublishAsync(JobTopology.OutcomesQueue, new OutgoingMessage(job.JobId, JsonSerializer.SerializeToUtf8Bytes(
            new JobOutcome(1, job.JobId, job.BatchId, status, job.ResultBlob, 1, null, null, 1, false, "test", DateTimeOffset.UtcNow), JobJson.Default.JobOutcome)), CancellationToken.None);

    private static async Task<BatchAccepted> SubmitAsync(HttpClient http, object request, string key)
    {
        using var response = await SendAsync(http, request, key);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<BatchAccepted>())!;
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, object request, string key)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/batches") { Content = JsonContent.Create(request) };
        message.Headers.Add("Idempotency-Key", key);
        return await http.SendAsync(message);
    }

    /// <summary>
    /// The jobs of one batch waiting in the jobs queue, read and handed back: a job another test's
    /// worker hands back after this test purged the queue is not this batch's.
    /// </summary>
    private async Task<int> ReadyOfBatchAsync(string batchId)
    {
        await using var connection = await infrastructure.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var count = 0;
        while (await channel.BasicGetAsync(JobTopology.JobsQueue, autoAck: false) is { } message)
        {
            if (JsonSerializer.Deserialize(message.Body.Span, JobJson.Default.RenderJob)?.BatchId == batchId)
            {
                count++;
            }
        }

        return count;
    }

    private async Task<uint> ReadyAsync(string queue)
    {
        await using var connection = await infrastructure.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        return await ServiceHosts.ReadyCountAsync(channel, queue);
    }

    /// <summary>Placeholder sources (their bytes are never read here): p0.jpg, p1.jpg... under <paramref name="prefix"/>.</summary>
    private Task UploadSourcesAsync(string prefix, int count) =>
        QueuedJobs.UploadPlaceholdersAsync(infrastructure, _suffix, [.. Enumerable.Range(0, count).Select(i => $"{prefix}p{i}.jpg")]);

    private async Task<InProcessProducer> StartProducerAsync()
    {
        var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        output.WriteLine($"producer at {producer.Address}");
        return producer;
    }
}
