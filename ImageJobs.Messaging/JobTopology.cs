using System.Globalization;
using RabbitMQ.Client;

namespace ImageJobs.Messaging;

/// <summary>
/// Every queue and exchange of the system, declared the same way by producer and worker
/// (declaring is idempotent only while the arguments match exactly). Everything here works on
/// RabbitMQ 3.10 (local) and 4.x (containers, Azure).
/// </summary>
/// <remarks>
/// imagejobs.jobs (quorum) ── worker ──► imagejobs.outcomes (quorum) ──► producer
///   │ transient failure: republished to imagejobs.jobs.retry.{1,10,60}s, whose TTL dead-letters back to imagejobs.jobs
///   └ permanent failure (worker) or delivery limit (broker) ──► imagejobs.dead-letter (fanout)
///        ├─► imagejobs.jobs.dead         kept for inspection and requeue
///        └─► imagejobs.jobs.dead.events  the producer records each failure from it
/// imagejobs.parked (quorum): what a consumer cannot use (an invalid report, a report of no known
///   batch), with its reason in a header, for a person to look at
/// </remarks>
public static class JobTopology
{
    public const string JobsQueue = "imagejobs.jobs";
    public const string OutcomesQueue = "imagejobs.outcomes";
    public const string DeadLetterExchange = "imagejobs.dead-letter";
    public const string DeadLetterQueue = "imagejobs.jobs.dead";
    public const string DeadLetterEventsQueue = "imagejobs.jobs.dead.events";
    public const string ParkedQueue = "imagejobs.parked";

    /// <summary>Waits before a transient failure is tried again; the last one repeats.</summary>
    public static IReadOnlyList<TimeSpan> RetryDelays { get; } = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60)];

    public static string RetryQueue(TimeSpan delay) =>
        $"imagejobs.jobs.retry.{((int)delay.TotalSeconds).ToString(CultureInfo.InvariantCulture)}s";

    /// <summary>The delay queue for the <paramref name="retry"/>-th transient retry (1-based).</summary>
    public static string RetryQueueFor(int retry) => RetryQueue(RetryDelays[Math.Clamp(retry, 1, RetryDelays.Count) - 1]);

    public static IDictionary<string, object?> JobsQueueArguments(MessagingOptions options) => new Dictionary<string, object?>
    {
        ["x-queue-type"] = "quorum",
        // Explicit: the default differs between RabbitMQ 3.x (unlimited) and 4.x (20).
        ["x-delivery-limit"] = options.DeliveryLimit,
        ["x-dead-letter-exchange"] = DeadLetterExchange,
        ["x-dead-letter-strategy"] = "at-least-once",
        // At-least-once dead-lettering needs reject-publish overflow (3.10+).
        ["x-overflow"] = "reject-publish",
    };

    private static Dictionary<string, object?> RetryQueueArguments(TimeSpan delay) => new()
    {
        ["x-queue-type"] = "quorum",
        ["x-message-ttl"] = (int)delay.TotalMilliseconds,
        // Expired messages go back to the work queue through the default exchange.
        ["x-dead-letter-exchange"] = string.Empty,
        ["x-dead-letter-routing-key"] = JobsQueue,
        ["x-dead-letter-strategy"] = "at-least-once",
        ["x-overflow"] = "reject-publish",
    };

    private static Dictionary<string, object?> Quorum() => new() { ["x-queue-type"] = "quorum" };

    public static async Task DeclareAsync(IChannel channel, MessagingOptions options, CancellationToken cancellationToken)
    {
        await channel.ExchangeDeclareAsync(DeadLetterExchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        foreach (var queue in new[] { DeadLetterQueue, DeadLetterEventsQueue })
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments: Quorum(), cancellationToken: cancellationToken);
            await channel.QueueBindAsync(queue, DeadLetterExchange, string.Empty, cancellationToken: cancellationToken);
        }

        await channel.QueueDeclareAsync(JobsQueue, durable: true, exclusive: false, autoDelete: false, arguments: JobsQueueArguments(options), cancellationToken: cancellationToken);
        foreach (var delay in RetryDelays)
        {
            await channel.QueueDeclareAsync(RetryQueue(delay), durable: true, exclusive: false, autoDelete: false, arguments: RetryQueueArguments(delay), cancellationToken: cancellationToken);
        }

        await channel.QueueDeclareAsync(OutcomesQueue, durable: true, exclusive: false, autoDelete: false, arguments: Quorum(), cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(ParkedQueue, durable: true, exclusive: false, autoDelete: false, arguments: Quorum(), cancellationToken: cancellationToken);
    }
}
