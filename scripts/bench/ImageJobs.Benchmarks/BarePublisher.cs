using System.Threading.RateLimiting;
using ImageJobs.Messaging;
using RabbitMQ.Client;

namespace ImageJobs.Benchmarks;

/// <summary>
/// The yardstick for the producer: RabbitMQ.Client alone publishing the same bodies, persistent
/// and mandatory, into a queue declared like the jobs queue, with confirms tracked and awaited in
/// groups of the producer's group size, each group awaited before the next (the producer keeps
/// two groups in the air).
/// </summary>
public static class BarePublisher
{
    public const string Queue = "bench.bare";

    public static async Task<TimeSpan> PublishAsync(IConnection connection, ReadOnlyMemory<byte> body, int count)
    {
        var defaults = new MessagingOptions();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true,
            publisherConfirmationTrackingEnabled: true,
            outstandingPublisherConfirmationsRateLimiter: new ThrottlingRateLimiter(2 * defaults.PublishGroupSize)));
        await channel.QueueDeclareAsync(Queue, durable: true, exclusive: false, autoDelete: false, JobTopology.JobsQueueArguments(defaults));
        await channel.QueuePurgeAsync(Queue);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (var start = 0; start < count; start += defaults.PublishGroupSize)
        {
            var confirms = new List<Task>(defaults.PublishGroupSize);
            for (var i = start; i < Math.Min(count, start + defaults.PublishGroupSize); i++)
            {
                var properties = new BasicProperties { Persistent = true, MessageId = $"bare-{i}", ContentType = "application/json" };
                confirms.Add(channel.BasicPublishAsync(string.Empty, Queue, mandatory: true, properties, body).AsTask());
            }

            await Task.WhenAll(confirms);
        }

        var elapsed = watch.Elapsed;
        await channel.QueueDeleteAsync(Queue);
        return elapsed;
    }
}
