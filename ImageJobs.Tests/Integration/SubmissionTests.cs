using System.Net;
using System.Net.Http.Json;
using ImageJobs.Messaging;
using ImageJobs.Producer.Batches;
using ImageJobs.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ImageJobs.Tests.Integration;

/// <summary>Submissions a client gives up on or repeats, against a real RabbitMQ and Azurite.</summary>
[Trait("Category", "Integration")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class SubmissionTests(LocalInfrastructure infrastructure)
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Two_replicas_given_the_same_key_at_once_store_and_publish_the_batch_once()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await using var a = await InProcessProducer.StartAsync(infrastructure, _suffix);
        await using var b = await InProcessProducer.StartAsync(infrastructure, _suffix);
        const int Total = 2_000;
        var key = "twice-" + _suffix;
        var request = new SubmitBatchRequest { Items = Enumerable.Range(0, Total).Select(i => new BatchItem($"in/{i}.jpg", $"caption {i}")).ToList() };

        // The same request through both at once: a client retrying through a load balancer, or each replica seeding the demo.
        var answers = await Task.WhenAll(new[] { a, b }.Select(async producer =>
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, "/api/batches") { Content = JsonContent.Create(request) };
            message.Headers.Add("Idempotency-Key", key);
            using var response = await producer.Http.SendAsync(message);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<BatchAccepted>())!;
        }));

        var batchId = JobPlanner.BatchIdForKey(key);
        Assert.All(answers, answer => Assert.Equal((batchId, Total), (answer.BatchId, answer.Total)));
        var listed = (await a.Http.GetFromJsonAsync<List<BatchStatus>>("/api/batches"))!;
        Assert.Single(listed, batch => batch.BatchId == batchId);
        await using var connection = await infrastructure.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        Assert.Equal((uint)Total, await ServiceHosts.ReadyCountAsync(channel, JobTopology.JobsQueue));
        await channel.QueuePurgeAsync(JobTopology.JobsQueue);
    }

    [Fact]
    public async Task A_batch_whose_client_goes_away_mid_publish_is_still_published_in_full()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        // Small publish groups: publishing 40,000 jobs then takes seconds, well past the cancel.
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix,
            new Dictionary<string, string?> { ["Messaging:PublishGroupSize"] = "50" });
        const int Total = 40_000;
        var key = "gone-" + _suffix;
        var request = new SubmitBatchRequest { Items = Enumerable.Range(0, Total).Select(i => new BatchItem($"in/{i}.jpg", $"caption {i}")).ToList() };

        using var cancel = new CancellationTokenSource();
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/batches") { Content = JsonContent.Create(request) };
        message.Headers.Add("Idempotency-Key", key);
        var sending = producer.Http.SendAsync(message, cancel.Token);

        // After a second, and once the batch is accepted (recorded): the client goes away mid-publish.
        var store = producer.App.Services.GetRequiredService<BatchStore>();
        var batchId = JobPlanner.BatchIdForKey(key);
        await Task.Delay(TimeSpan.FromSeconds(1));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (await store.LoadAsync(batchId, CancellationToken.None) is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
        await using var connection = await infrastructure.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        Assert.True(await ServiceHosts.ReadyCountAsync(channel, JobTopology.JobsQueue) < Total, "publishing was over before the client went away");

        // Every job published and confirmed all the same, and the batch marked published.
        deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (!(await store.LoadAsync(batchId, CancellationToken.None))!.Published && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.True((await store.LoadAsync(batchId, CancellationToken.None))!.Published);
        Assert.Equal((uint)Total, await ServiceHosts.ReadyCountAsync(channel, JobTopology.JobsQueue));
        Assert.Equal(Total, (await producer.Http.GetFromJsonAsync<BatchStatus>($"/api/batches/{batchId}"))!.Pending);
        await channel.QueuePurgeAsync(JobTopology.JobsQueue);
    }
}
