using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using ImageJobs.Contracts;
using ImageJobs.Contracts.Styles;
using ImageJobs.Messaging;
using ImageJobs.Tests.Support;
using ImageJobs.Worker.Processing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ImageJobs.Tests.Integration;

/// <summary>A render past its time limit, against a real RabbitMQ and a real Azurite.</summary>
[Trait("Category", "Integration")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class WorkerTimeLimitTests(LocalInfrastructure infrastructure, ITestOutputHelper output)
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_render_past_its_time_limit_is_stopped_before_the_retry_renders()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        var sources = infrastructure.Blobs().GetBlobContainerClient($"sources-{_suffix}");
        await sources.CreateIfNotExistsAsync();
        await infrastructure.Blobs().GetBlobContainerClient($"results-{_suffix}").CreateIfNotExistsAsync();
        // 81 MP written as WebP: most of a minute to decode, caption and encode, against a limit of one second.
        await sources.UploadBlobAsync("huge.jpg", BinaryData.FromBytes(TestImages.Jpeg(5, 9000, 9000)));
        var webp = new JobStyle(Output: new JobOutput(Format: "Webp"));

        var batchId = "slow-" + _suffix;
        var renders = new ConcurrentQueue<(DateTime Start, DateTime End)>();
        using var listener = new ActivityListener
        {
            // By name: the listener is asked as the source is made, inside JobProcessor's type initializer.
            ShouldListenTo = source => source.Name == "ImageJobs.Worker",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                if (activity.OperationName == "render" && (string?)activity.Parent?.GetTagItem("imagejobs.batch_id") == batchId)
                {
                    renders.Enqueue((activity.StartTimeUtc, activity.StartTimeUtc + activity.Duration));
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        using var host = ServiceHosts.Worker(infrastructure, _suffix, settings: new Dictionary<string, string?>
        {
            ["Messaging:JobTimeout"] = "00:00:01",
            ["Messaging:TransientRetries"] = "1",
        });
        var job = new RenderJob(RenderJob.CaptionSchemaVersion, batchId + "-000000", batchId, 0, "huge.jpg", "A caption on a very large photograph",
            $"{batchId}/000000-huge.jpg", webp, DateTimeOffset.UtcNow);
        await host.Services.GetRequiredService<ConfirmedPublisher>().PublishAsync(JobTopology.JobsQueue,
            new OutgoingMessage(job.JobId, JsonSerializer.SerializeToUtf8Bytes(job, JobJson.Default.RenderJob)), CancellationToken.None);

        await host.StartAsync();
        var failure = await DeadLetterAsync(TimeSpan.FromMinutes(2));
        await host.StopAsync();

        var spans = renders.OrderBy(r => r.Start).ToList();
        output.WriteLine($"{failure.ErrorCode}: {failure.Error}; renders: " + string.Join(", ", spans.Select(r => $"{r.Start:HH:mm:ss.fff}-{r.End:HH:mm:ss.fff}")));
        Assert.Equal(ErrorCodes.RetriesExhausted, failure.ErrorCode);
        Assert.Contains(ErrorCodes.Timeout, failure.Error, StringComparison.Ordinal);
        Assert.Equal(2, failure.Attempts);
        Assert.NotEmpty(spans);
        // Stopped for real: each render ends soon after its limit, not when its encode would have.
        Assert.All(spans, r => Assert.True(r.End - r.Start < TimeSpan.FromSeconds(10), $"a render ran on for {r.End - r.Start}"));
        // One render at a time: the retry's starts only after the first has stopped.
        Assert.All(spans.Zip(spans.Skip(1)), pair => Assert.True(pair.Second.Start >= pair.First.End,
            $"a render started at {pair.Second.Start:HH:mm:ss.fff} while another ran until {pair.First.End:HH:mm:ss.fff}"));
    }

    private async Task<FailureDetails> DeadLetterAsync(TimeSpan timeout)
    {
        await using var connection = await infrastructure.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await channel.BasicGetAsync(JobTopology.DeadLetterQueue, autoAck: true) is { } message)
            {
                return FailureHeaders.Read(message.BasicProperties);
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"no dead letter in {timeout}");
    }
}
