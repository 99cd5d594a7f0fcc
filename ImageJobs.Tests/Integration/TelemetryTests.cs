using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using ImageJobs.Contracts;
using ImageJobs.Messaging;
using ImageJobs.Producer.Batches;
using ImageJobs.Producer.Telemetry;
using ImageJobs.Tests.Support;
using ImageJobs.Worker.Processing;
using ImageJobs.Worker.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ImageJobs.Tests.Integration;

/// <summary>
/// Metrics, traces and logs of a real batch: the producer and a worker in this process, against
/// a real RabbitMQ and Azurite, observed with in-memory collectors and an ActivityListener.
/// </summary>
[Trait("Category", "Integration")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class TelemetryTests(LocalInfrastructure infrastructure, ITestOutputHelper output)
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_batch_is_one_trace_from_submit_to_upload_and_is_counted_in_metrics_and_logs()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        var sources = infrastructure.Blobs().GetBlobContainerClient($"sources-{_suffix}");
        await sources.CreateIfNotExistsAsync();
        await sources.UploadBlobAsync("good.jpg", BinaryData.FromBytes(TestImages.Jpeg(7)));

        var activities = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name.StartsWith("ImageJobs.", StringComparison.Ordinal) || source.Name.StartsWith("RabbitMQ.Client", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix,
            new Dictionary<string, string?> { ["Telemetry:QueueSampleInterval"] = "00:00:01" });
        var producerMeters = producer.App.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var published = new MetricCollector<long>(producerMeters, ProducerMetrics.MeterName, "imagejobs.jobs.published");
        using var batchJobs = new MetricCollector<long>(producerMeters, ProducerMetrics.MeterName, "imagejobs.batch.jobs");
        using var queueMessages = new MetricCollector<long>(producerMeters, ProducerMetrics.MeterName, "imagejobs.queue.messages");
        using var queueConsumers = new MetricCollector<long>(producerMeters, ProducerMetrics.MeterName, "imagejobs.queue.consumers");

        // Submitted before any worker runs, so the batch is seen queued in the gauges.
        using var response = await producer.Http.PostAsJsonAsync("/api/batches", new { items = new[] { new { source = "good.jpg", text = "Hi" }, new { source = "missing.jpg", text = "Nope" } } });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var batch = (await response.Content.ReadFromJsonAsync<BatchAccepted>())!;
        Assert.Equal(2, published.GetMeasurementSnapshot().Sum(m => m.Value));
        batchJobs.RecordObservableInstruments();
        Assert.Contains(batchJobs.GetMeasurementSnapshot(), m => m.Value == 2 && Tag(m.Tags, "state") == "queued" && Tag(m.Tags, "batch.id") == batch.BatchId);
        await WaitUntilAsync(() =>
        {
            queueMessages.RecordObservableInstruments();
            return queueMessages.GetMeasurementSnapshot().Any(m => Tag(m.Tags, "queue") == JobTopology.JobsQueue && m.Value == 2);
        });

        var logs = new CapturingLoggerProvider();
        using var worker = ServiceHosts.Worker(infrastructure, _suffix, configure: b => b.Logging.AddProvider(logs));
        var workerMeters = worker.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var completed = new MetricCollector<long>(workerMeters, WorkerMetrics.MeterName, "imagejobs.jobs.completed");
        using var failed = new MetricCollector<long>(workerMeters, WorkerMetrics.MeterName, "imagejobs.jobs.failed");
        using var duration = new MetricCollector<double>(workerMeters, WorkerMetrics.MeterName, "imagejobs.job.duration");
        using var stages = new MetricCollector<double>(workerMeters, WorkerMetrics.MeterName, "imagejobs.job.stage.duration");
        using var bytesIn = new MetricCollector<long>(workerMeters, WorkerMetrics.MeterName, "imagejobs.bytes.in");
        using var bytesOut = new MetricCollector<long>(workerMeters, WorkerMetrics.MeterName, "imagejobs.bytes.out");
        using var inFlight = new MetricCollector<long>(workerMeters, WorkerMetrics.MeterName, "imagejobs.jobs.in_flight");
        await worker.StartAsync();
        try
        {
            await WaitUntilAsync(async () => (await producer.Http.GetFromJsonAsync<BatchStatus>($"/api/batches/{batch.BatchId}"))!.Done);
            await WaitUntilAsync(() =>
            {
                queueConsumers.RecordObservableInstruments();
                return queueConsumers.GetMeasurementSnapshot().Any(m => Tag(m.Tags, "queue") == JobTopology.JobsQueue && m.Value == 1);
            });
        }
        finally
        {
            await worker.StopAsync();
        }

        // Metrics: one success, one failure by code, the three stages, bytes both ways, nothing left in flight.
        Assert.Equal(1, completed.GetMeasurementSnapshot().Sum(m => m.Value));
        var failure = Assert.Single(failed.GetMeasurementSnapshot());
        Assert.Equal(ErrorCodes.SourceNotFound, Tag(failure.Tags, "error.code"));
        Assert.Equal(["failed", "succeeded"], duration.GetMeasurementSnapshot().Select(m => Tag(m.Tags, "outcome")).Order());
        Assert.Equal([WorkerMetrics.StageDownload, WorkerMetrics.StageRender, WorkerMetrics.StageUpload],
            stages.GetMeasurementSnapshot().Select(m => Tag(m.Tags, "stage")!).Order(StringComparer.Ordinal));
        Assert.True(bytesIn.GetMeasurementSnapshot().Sum(m => m.Value) > 1000);
        Assert.True(bytesOut.GetMeasurementSnapshot().Sum(m => m.Value) > 1000);
        Assert.Contains(inFlight.GetMeasurementSnapshot(), m => m.Value == 1);
        Assert.Equal(0, inFlight.GetMeasurementSnapshot().Sum(m => m.Value));
        // A finished batch leaves the progress gauges.
        batchJobs.Clear();
        batchJobs.RecordObservableInstruments();
        Assert.DoesNotContain(batchJobs.GetMeasurementSnapshot(), m => Tag(m.Tags, "batch.id") == batch.BatchId);

        // Traces: submit batch -> publish -> process job (in the worker) -> download, render, upload; one trace id.
        var all = activities.ToList();
        var submit = Assert.Single(all, a => a.OperationName == "submit batch" && (string?)a.GetTagItem("imagejobs.batch_id") == batch.BatchId);
        var publish = Assert.Single(all, a => a.OperationName == $"publish {JobTopology.JobsQueue}" && a.ParentSpanId == submit.SpanId);
        var processed = all.Where(a => a.OperationName == "process job" && (string?)a.GetTagItem("imagejobs.batch_id") == batch.BatchId).ToList();
        Assert.Equal(2, processed.Count);
        var spans = all.GroupBy(a => a.SpanId).ToDictionary(g => g.Key, g => g.First());
        Assert.All(processed, p =>
        {
            Assert.Equal(submit.TraceId, p.TraceId);
            // Under our publish span, directly or through the RabbitMQ client's own send span.
            var parent = spans[p.ParentSpanId];
            Assert.True(parent == publish || (parent.Source.Name.StartsWith("RabbitMQ.Client", StringComparison.Ordinal) && parent.ParentSpanId == publish.SpanId),
                $"parent of process job: {parent.Source.Name}/{parent.OperationName}");
        });
        var good = Assert.Single(processed, p => all.Any(a => a.OperationName == "upload" && a.ParentSpanId == p.SpanId));
        Assert.Equal(["download", "render", "upload"], all.Where(a => a.ParentSpanId == good.SpanId && a.Source.Name == "ImageJobs.Worker")
            .Select(a => a.OperationName).Order(StringComparer.Ordinal));
        output.WriteLine($"trace {submit.TraceId}: {all.Count(a => a.TraceId == submit.TraceId)} spans");

        // Logs: the worker's job logs carry the batch and job ids as properties.
        var jobLogs = logs.Entries.Where(e => e.Category.EndsWith("JobRunner", StringComparison.Ordinal) && e.Properties.ContainsKey("JobId")).ToList();
        Assert.NotEmpty(jobLogs);
        Assert.All(jobLogs, e => Assert.Equal(batch.BatchId, e.Properties["BatchId"]?.ToString()));
    }

    private static string? Tag(IReadOnlyDictionary<string, object?> tags, string key) =>
        tags.TryGetValue(key, out var value) ? value?.ToString() : null;

    private static Task WaitUntilAsync(Func<bool> condition) => WaitUntilAsync(() => Task.FromResult(condition()));

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(200);
        }
    }
}
