using System.Text;
using ImageJobs.AppHost.Infrastructure;
using ImageJobs.Messaging;
using ImageJobs.Tests.Support;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace ImageJobs.Tests.Integration;

/// <summary>
/// The broker's users by role, as Infrastructure/broker/definitions.json creates them at start
/// (the broker the fixture runs with the AppHost's own rabbitmq.sh): each may do what its service
/// needs and is refused (403 ACCESS_REFUSED) the rest.
/// </summary>
[Trait("Category", "Integration")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class BrokerPermissionsTests(LocalInfrastructure infrastructure)
{
    private const ushort AccessRefused = 403;

    private async Task<IConnection> ConnectAsync(BrokerRole role) =>
        await new ConnectionFactory { Uri = new Uri(infrastructure.ConnectionString(role)) }.CreateConnectionAsync();

    private static Task<IChannel> ChannelAsync(IConnection connection) =>
        connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));

    /// <summary>Runs one operation on a fresh channel; null if it was allowed, else the reply code the broker closed the channel with.</summary>
    private static async Task<ushort?> TryAsync(IConnection connection, Func<IChannel, Task> operation)
    {
        await using var channel = await ChannelAsync(connection);
        try
        {
            await operation(channel);
            return null;
        }
        catch (Exception ex) when (ex is OperationInterruptedException or AlreadyClosedException or PublishException)
        {
            Assert.NotNull(channel.CloseReason);
            return channel.CloseReason.ReplyCode;
        }
    }

    private static Task Publish(IChannel channel, string exchange, string routingKey) =>
        channel.BasicPublishAsync(exchange, routingKey, mandatory: true, new BasicProperties { Persistent = true }, Encoding.UTF8.GetBytes("{}")).AsTask();

    [Fact]
    public async Task The_worker_takes_jobs_and_hands_on_outcomes_retries_and_dead_letters_but_cannot_change_the_topology_or_read_other_queues()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await using var worker = await ConnectAsync(BrokerRole.Worker);

        Assert.Null(await TryAsync(worker, c => JobTopology.CheckAsync(c, CancellationToken.None)));
        Assert.Null(await TryAsync(worker, c => c.BasicGetAsync(JobTopology.JobsQueue, autoAck: false)));
        Assert.Null(await TryAsync(worker, c => Publish(c, string.Empty, JobTopology.OutcomesQueue)));
        Assert.Null(await TryAsync(worker, c => Publish(c, string.Empty, JobTopology.RetryQueueFor(1))));
        Assert.Null(await TryAsync(worker, c => Publish(c, JobTopology.DeadLetterExchange, string.Empty)));

        Assert.Equal(AccessRefused, await TryAsync(worker, c => JobTopology.DeclareAsync(c, new MessagingOptions(), CancellationToken.None)));
        Assert.Equal(AccessRefused, await TryAsync(worker, c => c.QueueDeleteAsync(JobTopology.JobsQueue)));
        Assert.Equal(AccessRefused, await TryAsync(worker, c => c.QueueDeclareAsync("imagejobs.jobs.mine", durable: false, exclusive: true, autoDelete: true)));
        Assert.Equal(AccessRefused, await TryAsync(worker, c => c.QueueBindAsync(JobTopology.JobsQueue, JobTopology.DeadLetterExchange, string.Empty)));
        Assert.Equal(AccessRefused, await TryAsync(worker, c => c.BasicGetAsync(JobTopology.OutcomesQueue, autoAck: false)));
        Assert.Equal(AccessRefused, await TryAsync(worker, c => c.BasicGetAsync(JobTopology.DeadLetterQueue, autoAck: false)));
        Assert.Equal(AccessRefused, await TryAsync(worker, c => c.QueuePurgeAsync(JobTopology.DeadLetterQueue)));
        Assert.Equal(AccessRefused, await TryAsync(worker, c => c.QueuePurgeAsync(JobTopology.OutcomesQueue)));
        Assert.Equal(AccessRefused, await TryAsync(worker, c => Publish(c, "amq.fanout", string.Empty)));
    }

    [Fact]
    public async Task The_producer_declares_the_topology_publishes_jobs_and_reads_outcomes_and_dead_letters_but_nothing_outside_imagejobs()
    {
        await using var producer = await ConnectAsync(BrokerRole.Producer);

        Assert.Null(await TryAsync(producer, c => JobTopology.DeclareAsync(c, new MessagingOptions(), CancellationToken.None)));
        Assert.Null(await TryAsync(producer, c => Publish(c, string.Empty, JobTopology.JobsQueue)));
        Assert.Null(await TryAsync(producer, c => c.BasicGetAsync(JobTopology.OutcomesQueue, autoAck: false)));
        Assert.Null(await TryAsync(producer, c => c.BasicGetAsync(JobTopology.DeadLetterEventsQueue, autoAck: false)));
        Assert.Null(await TryAsync(producer, c => c.BasicGetAsync(JobTopology.DeadLetterQueue, autoAck: false)));

        Assert.Equal(AccessRefused, await TryAsync(producer, c => c.QueueDeclareAsync("other.queue", durable: false, exclusive: true, autoDelete: true)));
        Assert.Equal(AccessRefused, await TryAsync(producer, c => c.ExchangeDeclareAsync("other.exchange", ExchangeType.Fanout)));
        Assert.Equal(AccessRefused, await TryAsync(producer, c => Publish(c, "amq.fanout", string.Empty)));
        await ServiceHosts.ResetQueuesAsync(infrastructure);
    }

    [Fact]
    public async Task KEDA_reads_the_work_queue_depth_and_nothing_else()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await using (var admin = await infrastructure.ConnectAsync())
        {
            Assert.Null(await TryAsync(admin, c => Publish(c, string.Empty, JobTopology.JobsQueue)));
        }

        await using var keda = await ConnectAsync(BrokerRole.Keda);
        await using (var channel = await ChannelAsync(keda))
        {
            // What KEDA's rabbitmq scaler does in QueueLength mode over AMQP: a passive declare.
            Assert.Equal(1u, (await channel.QueueDeclarePassiveAsync(JobTopology.JobsQueue)).MessageCount);
        }

        Assert.Equal(AccessRefused, await TryAsync(keda, c => c.BasicGetAsync(JobTopology.JobsQueue, autoAck: false)));
        Assert.Equal(AccessRefused, await TryAsync(keda, c => c.QueuePurgeAsync(JobTopology.JobsQueue)));
        Assert.Equal(AccessRefused, await TryAsync(keda, c => Publish(c, string.Empty, JobTopology.JobsQueue)));
        Assert.Equal(AccessRefused, await TryAsync(keda, c => c.QueueDeclareAsync("imagejobs.keda", durable: false, exclusive: true, autoDelete: true)));
        await ServiceHosts.ResetQueuesAsync(infrastructure);
    }

    [Fact]
    public async Task The_broker_has_no_guest_user_and_refuses_a_wrong_password()
    {
        var port = new Uri(infrastructure.RabbitMQConnectionString).Port;
        var worker = new Uri(infrastructure.ConnectionString(BrokerRole.Worker));

        foreach (var uri in new[] { $"amqp://guest:guest@127.0.0.1:{port}", $"amqp://{worker.UserInfo.Split(':')[0]}:wrong-password@127.0.0.1:{port}" })
        {
            await Assert.ThrowsAsync<BrokerUnreachableException>(() => new ConnectionFactory { Uri = new Uri(uri) }.CreateConnectionAsync());
        }
    }
}
