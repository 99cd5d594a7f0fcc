using ImageJobs.Messaging;
using ImageJobs.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace ImageJobs.Tests.Integration;

/// <summary>The subscription both consumers build on, against a real RabbitMQ (quorum queues).</summary>
[Trait("Category", "Integration")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class QueueSubscriptionTests(LocalInfrastructure infrastructure, ITestOutputHelper output)
{
    [Fact]
    public async Task A_stop_while_messages_flow_handles_every_delivery_it_was_sent_and_hands_back_none_redelivered()
    {
        // Handling that acks at once leaves the broker the least time between an ack and the
        // cancel: the moment a quorum queue still sends a message after its cancel-ok.
        const int total = 3_000;
        const int stops = 15;
        var queue = $"imagejobs.test.subscription-{Guid.NewGuid():N}";
        await using var connection = await infrastructure.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
        try
        {
            for (var i = 0; i < total; i++)
            {
                await channel.BasicPublishAsync(string.Empty, queue, mandatory: true, new BasicProperties { MessageId = i.ToString(System.Globalization.CultureInfo.InvariantCulture) }, new byte[] { 1 });
            }

            var handled = new List<string>();
            var redeliveredInHand = 0;
            for (var stop = 0; stop < stops; stop++)
            {
                using var subscription = new QueueSubscription(connection, Options.Create(new MessagingOptions()), TopologyAccess.Declare, TimeProvider.System, NullLogger<QueueSubscription>.Instance);
                using var stopping = new CancellationTokenSource();
                var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var before = handled.Count;
                var running = subscription.RunAsync(queue, prefetch: 1, async delivery =>
                {
                    lock (handled)
                    {
                        handled.Add(delivery.MessageId!);
                        redeliveredInHand += delivery.Redelivered ? 1 : 0;
                        if (handled.Count - before >= 50)
                        {
                            enough.TrySetResult();
                        }
                    }

                    await delivery.AckAsync();
                }, stopping.Token);

                await enough.Task.WaitAsync(TimeSpan.FromSeconds(60));
                using var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await subscription.StopAsync(stopTimeout.Token);
                await stopping.CancelAsync();
                await running;
            }

            var left = new List<(string Id, bool Redelivered)>();
            while (await channel.BasicGetAsync(queue, autoAck: true) is { } message)
            {
                left.Add((message.BasicProperties.MessageId!, message.Redelivered));
            }

            output.WriteLine($"{stops} stops: {handled.Count} handled, {left.Count} left, {left.Count(l => l.Redelivered)} of them redelivered, {redeliveredInHand} redelivered in hand");
            Assert.Equal(total, handled.Count + left.Count);
            Assert.Equal(total, handled.Concat(left.Select(l => l.Id)).Distinct().Count());
            Assert.DoesNotContain(left, l => l.Redelivered);
            Assert.Equal(0, redeliveredInHand);
        }
        finally
        {
            await channel.QueueDeleteAsync(queue);
        }
    }
}
