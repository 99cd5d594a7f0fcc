using RabbitMQ.Client;

namespace ImageJobs.Worker.Messaging;

/// <summary>
/// Every queue and exchange of the system, declared the same way by producer and worker
/// (declaring is idempotent only while the arguments match exactly).
/// </summary>
public static class JobTopology
{
    public const string JobsQueue = "imagejobs.jobs";
    public const string OutcomesQueue = "imagejobs.outcomes";
    public const string DeadLetterExchange = "imagejobs.dead-letter";
    public const string DeadLetterQueue = "imagejobs.jobs.dead";

    public static IDictionary<string, object?> JobsQueueArguments(MessagingOptions options) => new Dictionary<string, object?>
    {
        ["x-queue-type"] = "quorum",
        // Explicit: the default differs between RabbitMQ 3.x (unlimited) and 4.x (20).
        ["x-delivery-limit"] = options.DeliveryLimit,
        ["x-dead-letter-exchange"] = DeadLetterExchange,
        ["x-dead-letter-routing-key"] = DeadLetterQueue,
        // At-least-once dead-lettering needs reject-publish overflow (3.10+).
        ["x-dead-letter-strategy"] = "at-least-once",
        ["x-overflow"] = "reject-publish",
    };

    private static Dictionary<string, object?> Quorum() => new() { ["x-queue-type"] = "quorum" };

    public static async Task DeclareAsync(IChannel channel, MessagingOptions options, CancellationToken cancellationToken)
    {
        await channel.ExchangeDeclareAsync(DeadLetterExchange, ExchangeType.Direct, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(DeadLetterQueue, durable: true, exclusive: false, autoDelete: false, arguments: Quorum(), cancellationToken: cancellationToken);
        await channel.QueueBindAsync(DeadLetterQueue, DeadLetterExchange, DeadLetterQueue, cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(JobsQueue, durable: true, exclusive: false, autoDelete: false, arguments: JobsQueueArguments(options), cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(OutcomesQueue, durable: true, exclusive: false, autoDelete: false, arguments: Quorum(), cancellationToken: cancellationToken);
    }
}
