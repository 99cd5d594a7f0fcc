using System.Net;
using System.Net.Http.Json;
using System.Text;
using ImageJobs.Messaging;
using ImageJobs.Producer.Batches;
using ImageJobs.Producer.Telemetry;
using ImageJobs.Tests.Support;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace ImageJobs.Tests.Integration;

/// <summary>What the broker (3.10 here) makes of the declared arguments: limits held, and where what goes over them ends.</summary>
[Trait("Category", "Integration")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class QueueTopologyTests(LocalInfrastructure infrastructure)
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task The_broker_holds_every_queue_with_exactly_the_declared_arguments()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await using var connection = await infrastructure.ConnectAsync();
        foreach (var (queue, arguments) in JobTopology.Queues(new MessagingOptions()))
        {
            // The same arguments are accepted; one limit changed is refused, so the broker has these.
            await using (var same = await connection.CreateChannelAsync())
            {
                await same.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments: arguments);
            }

            await using var other = await connection.CreateChannelAsync();
            var changed = new Dictionary<string, object?>(arguments) { ["x-delivery-limit"] = (int)arguments["x-delivery-limit"]! + 1 };
            var refused = await Assert.ThrowsAsync<OperationInterruptedException>(() =>
                other.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments: changed));
            Assert.Equal((ushort)406, refused.ShutdownReason?.ReplyCode);
        }
    }

    [Fact]
    public async Task A_report_returned_past_its_delivery_limit_is_parked_not_dropped()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await using var connection = await infrastructure.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.BasicPublishAsync(string.Empty, JobTopology.OutcomesQueue, mandatory: true, new BasicProperties { MessageId = "returned" }, Encoding.UTF8.GetBytes("{}"));

        // Rejected back to its queue, as a crashing consumer would hand it back, once more than the limit.
        for (var i = 0; i <= JobTopology.ReportDeliveryLimit; i++)
        {
            var message = await GetAsync(channel, JobTopology.OutcomesQueue);
            await channel.BasicRejectAsync(message.DeliveryTag, requeue: true);
        }

        var parked = await GetAsync(channel, JobTopology.ParkedQueue);
        Assert.Equal(("returned", "delivery_limit"), (parked.BasicProperties.MessageId, AmqpHeaders.Text(parked.BasicProperties.Headers, "x-first-death-reason")));
        Assert.Equal(0u, await ServiceHosts.ReadyCountAsync(channel, JobTopology.OutcomesQueue));
    }

    [Fact]
    public async Task A_full_dead_letter_queue_moves_its_oldest_to_the_parked_queue()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await using var connection = await infrastructure.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeleteAsync(JobTopology.DeadLetterQueue);
        try
        {
            await JobTopology.DeclareAsync(channel, new MessagingOptions { DeadLetterMaxLength = 3 }, CancellationToken.None);
            for (var i = 0; i < 5; i++)
            {
                await channel.BasicPublishAsync(string.Empty, JobTopology.DeadLetterQueue, mandatory: true, new BasicProperties { MessageId = $"dead-{i}" }, Encoding.UTF8.GetBytes("{}"));
            }

            var moved = new[] { await GetAsync(channel, JobTopology.ParkedQueue), await GetAsync(channel, JobTopology.ParkedQueue) };
            Assert.Equal(["dead-0", "dead-1"], moved.Select(m => m.BasicProperties.MessageId));
            Assert.All(moved, m => Assert.Equal("maxlen", AmqpHeaders.Text(m.BasicProperties.Headers, "x-first-death-reason")));
            Assert.Equal(3u, await ServiceHosts.ReadyCountAsync(channel, JobTopology.DeadLetterQueue));
        }
        finally
        {
            // Back as every other test declares it.
            await channel.QueueDeleteAsync(JobTopology.DeadLetterQueue);
            await JobTopology.DeclareAsync(channel, new MessagingOptions(), CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_bounded_queue_that_fills_is_measured_and_warned_of_once()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await using var connection = await infrastructure.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        for (var i = 0; i < 4; i++)
        {
            await channel.BasicPublishAsync(string.Empty, JobTopology.DeadLetterQueue, mandatory: true, new BasicProperties(), Encoding.UTF8.GetBytes("{}"));
        }

        // Sampled against a limit of 5: four is past the warning's 80%.
        using var logs = new CapturingLoggerProvider();
        using var loggers = LoggerFactory.Create(logging => logging.AddProvider(logs));
        using var sampler = new QueueSampler(connection, Options.Create(new TelemetryOptions { QueueSampleInterval = TimeSpan.FromSeconds(1) }),
            Options.Create(new MessagingOptions { DeadLetterMaxLength = 5 }), TimeProvider.System, loggers.CreateLogger<QueueSampler>());
        await sampler.StartAsync(CancellationToken.None);
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (!sampler.Fill().Any(q => q is (JobTopology.DeadLetterQueue, 0.8)) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            await Task.Delay(TimeSpan.FromSeconds(2.5));
            Assert.Contains(sampler.Fill(), q => q is (JobTopology.DeadLetterQueue, 0.8));
            var warning = Assert.Single(logs.Entries, e => e.Message.StartsWith("Queue imagejobs.jobs.dead holds 4 of at most 5", StringComparison.Ordinal));
            Assert.Equal(JobTopology.DeadLetterQueue, warning.Properties["Queue"]);
        }
        finally
        {
            await sampler.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_requeue_moves_other_batches_dead_letters_to_the_back_without_handing_them_back()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        using var response = await producer.Http.PostAsJsonAsync("/api/batches", new SubmitBatchRequest { Items = [new BatchItem("a.jpg", "A"), new BatchItem("b.jpg", "B")] });
        var batch = (await response.Content.ReadFromJsonAsync<BatchAccepted>())!;

        await using var connection = await infrastructure.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueuePurgeAsync(JobTopology.JobsQueue);
        var dead = new[] { (batch.BatchId, 0), ("other-batch", 0), (batch.BatchId, 1), ("other-batch", 1), (batch.BatchId, 1) };
        foreach (var (batchId, index) in dead)
        {
            var jobId = JobPlanner.JobId(batchId, index);
            var headers = new Dictionary<string, object?> { [FailureHeaders.ErrorCode] = "image.corrupt" };
            await channel.BasicPublishAsync(string.Empty, JobTopology.DeadLetterQueue, mandatory: true, new BasicProperties { MessageId = jobId, Headers = headers },
                Encoding.UTF8.GetBytes($$"""{"jobId":"{{jobId}}","batchId":"{{batchId}}"}"""));
        }

        // Anyone who can publish may leave a dead letter whose id is no text: it names no job, and is kept.
        await channel.BasicPublishAsync(string.Empty, JobTopology.DeadLetterQueue, mandatory: true, new BasicProperties { MessageId = "not-text", Headers = new Dictionary<string, object?> { [FailureHeaders.ErrorCode] = "image.corrupt" } },
            Encoding.UTF8.GetBytes($$"""{"jobId":"\ud800","batchId":"{{batch.BatchId}}"}"""));

        // Unconfirmed publishes: wait until the broker counts them all, as a requeue reads what it counts.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (await ServiceHosts.ReadyCountAsync(channel, JobTopology.DeadLetterQueue) < dead.Length + 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        using var requeue = await producer.Http.PostAsJsonAsync($"/api/batches/{batch.BatchId}/requeue", new RequeueRequest(null));
        Assert.Equal(HttpStatusCode.OK, requeue.StatusCode);
        Assert.Equal(new RequeueResult(2, 1), await requeue.Content.ReadFromJsonAsync<RequeueResult>());

        Assert.Equal(2u, await ServiceHosts.ReadyCountAsync(channel, JobTopology.JobsQueue));
        var kept = new[] { await GetAsync(channel, JobTopology.DeadLetterQueue), await GetAsync(channel, JobTopology.DeadLetterQueue), await GetAsync(channel, JobTopology.DeadLetterQueue) };
        Assert.Equal([JobPlanner.JobId("other-batch", 0), JobPlanner.JobId("other-batch", 1), "not-text"], kept.Select(m => m.BasicProperties.MessageId));
        Assert.All(kept, m =>
        {
            // Never redelivered: moved as new messages, their reason with them.
            Assert.False(m.Redelivered);
            Assert.Equal(0, AmqpHeaders.DeliveryCount(m.BasicProperties));
            Assert.Equal("image.corrupt", AmqpHeaders.Text(m.BasicProperties.Headers, FailureHeaders.ErrorCode));
        });
        Assert.Equal(0u, await ServiceHosts.ReadyCountAsync(channel, JobTopology.DeadLetterQueue));
    }

    private static async Task<BasicGetResult> GetAsync(IChannel channel, string queue)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            if (await channel.BasicGetAsync(queue, autoAck: false) is { } message)
            {
                if (queue != JobTopology.OutcomesQueue)
                {
                    await channel.BasicAckAsync(message.DeliveryTag, multiple: false);
                }

                return message;
            }

            Assert.True(DateTime.UtcNow < deadline, $"nothing came from {queue}");
            await Task.Delay(50);
        }
    }
}
