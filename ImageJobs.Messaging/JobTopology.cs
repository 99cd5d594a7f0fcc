using System.Globalization;
using RabbitMQ.Client;

namespace ImageJobs.Messaging;

/// <summary>
/// Every queue and exchange of the system, declared by the producer (declaring is idempotent only
/// while the arguments match exactly) and checked by the workers, whose broker user may not declare. Everything here works on
/// RabbitMQ 3.10 (local) and 4.x (containers, Azure).
/// </summary>
/// <remarks>
/// imagejobs.jobs (quorum) ── worker ──► imagejobs.outcomes (quorum) ──► producer
///   │ transient failure: republished to imagejobs.jobs.retry.{1,10,60}s, whose TTL dead-letters back to imagejobs.jobs
///   └ permanent failure (worker) or delivery limit (broker) ──► imagejobs.dead-letter (fanout)
///        ├─► imagejobs.jobs.dead         kept for inspection and requeue
///        └─► imagejobs.jobs.dead.events  the producer records each failure from it
/// imagejobs.parked (fanout) ──► imagejobs.parked (quorum, bounded, the last stop): what a consumer
///   cannot use (an invalid report, a report of no known batch) with its reason in a header, and
///   what the broker dead-letters from the outcome, dead-letter and events queues (delivery limit,
///   or the oldest dead letters once imagejobs.jobs.dead is full), for a person to look at
/// Every quorum queue has an explicit x-delivery-limit (4.x defaults to 20 and drops what goes over
/// it when the queue has no dead-letter exchange; 3.10 has no default) and a dead-letter target,
/// but imagejobs.parked: nothing consumes it, and whatever it bounded would have to go somewhere.
/// </remarks>
public static class JobTopology
{
    public const string JobsQueue = "imagejobs.jobs";
    public const string OutcomesQueue = "imagejobs.outcomes";
    public const string DeadLetterExchange = "imagejobs.dead-letter";
    public const string DeadLetterQueue = "imagejobs.jobs.dead";
    public const string DeadLetterEventsQueue = "imagejobs.jobs.dead.events";
    public const string ParkedQueue = "imagejobs.parked";
    public const string ParkedExchange = "imagejobs.parked";

    /// <summary>
    /// Returns of one report or dead letter before the broker parks it. Only a crash or a lost
    /// channel returns one (the consumer holds its deliveries through a store outage), and on 3.10
    /// each such return counts for every delivery in hand: far above what a few crashes reach.
    /// </summary>
    public const int ReportDeliveryLimit = 50;

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

    private static Dictionary<string, object?> RetryQueueArguments(TimeSpan delay, MessagingOptions options) => new()
    {
        ["x-queue-type"] = "quorum",
        // Nothing consumes a delay queue, so nothing returns to it; explicit all the same.
        ["x-delivery-limit"] = options.DeliveryLimit,
        ["x-message-ttl"] = (int)delay.TotalMilliseconds,
        // Expired messages go back to the work queue through the default exchange.
        ["x-dead-letter-exchange"] = string.Empty,
        ["x-dead-letter-routing-key"] = JobsQueue,
        ["x-dead-letter-strategy"] = "at-least-once",
        ["x-overflow"] = "reject-publish",
    };

    /// <summary>The outcome and events queues: consumed by the producer, parked over their limit, never bounded (that would drop reports).</summary>
    private static Dictionary<string, object?> ReportQueueArguments() => new()
    {
        ["x-queue-type"] = "quorum",
        ["x-delivery-limit"] = ReportDeliveryLimit,
        ["x-dead-letter-exchange"] = ParkedExchange,
    };

    /// <summary>Dead letters wait here for a requeue; past its length the oldest go to imagejobs.parked.</summary>
    private static Dictionary<string, object?> DeadLetterQueueArguments(MessagingOptions options) => new()
    {
        ["x-queue-type"] = "quorum",
        ["x-delivery-limit"] = ReportDeliveryLimit,
        ["x-dead-letter-exchange"] = ParkedExchange,
        ["x-max-length"] = options.DeadLetterMaxLength,
        ["x-overflow"] = "drop-head",
    };

    /// <summary>The last stop: past its length the oldest are dropped (a warning says so as it fills).</summary>
    private static Dictionary<string, object?> ParkedQueueArguments(MessagingOptions options) => new()
    {
        ["x-queue-type"] = "quorum",
        ["x-delivery-limit"] = ReportDeliveryLimit,
        ["x-max-length"] = options.ParkedMaxLength,
        ["x-overflow"] = "drop-head",
    };

    /// <summary>Every queue as it is declared, with its arguments.</summary>
    public static IReadOnlyDictionary<string, IDictionary<string, object?>> Queues(MessagingOptions options)
    {
        var queues = new Dictionary<string, IDictionary<string, object?>>(StringComparer.Ordinal)
        {
            [ParkedQueue] = ParkedQueueArguments(options),
            [DeadLetterQueue] = DeadLetterQueueArguments(options),
            [DeadLetterEventsQueue] = ReportQueueArguments(),
            [JobsQueue] = JobsQueueArguments(options),
            [OutcomesQueue] = ReportQueueArguments(),
        };
        foreach (var delay in RetryDelays)
        {
            queues[RetryQueue(delay)] = RetryQueueArguments(delay, options);
        }

        return queues;
    }

    /// <summary>The queues with a length limit, and that limit: watched as they fill.</summary>
    public static IReadOnlyDictionary<string, int> BoundedQueues(MessagingOptions options) => new Dictionary<string, int>(StringComparer.Ordinal)
    {
        [DeadLetterQueue] = options.DeadLetterMaxLength,
        [ParkedQueue] = options.ParkedMaxLength,
    };

    public static async Task DeclareAsync(IChannel channel, MessagingOptions options, CancellationToken cancellationToken)
    {
        await channel.ExchangeDeclareAsync(ParkedExchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        await channel.ExchangeDeclareAsync(DeadLetterExchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);

        foreach (var (queue, arguments) in Queues(options))
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments: arguments, cancellationToken: cancellationToken);
        }

        await channel.QueueBindAsync(ParkedQueue, ParkedExchange, string.Empty, cancellationToken: cancellationToken);
        foreach (var queue in new[] { DeadLetterQueue, DeadLetterEventsQueue })
        {
            await channel.QueueBindAsync(queue, DeadLetterExchange, string.Empty, cancellationToken: cancellationToken);
        }
    }

    /// <summary>
    /// Checks, declaring nothing, that the topology is there (a passive declare needs no
    /// permission). A missing queue or exchange closes the channel with 404 NOT_FOUND: the
    /// producer has not declared it yet, so the caller tries again later.
    /// </summary>
    public static async Task CheckAsync(IChannel channel, CancellationToken cancellationToken)
    {
        await channel.ExchangeDeclarePassiveAsync(ParkedExchange, cancellationToken);
        await channel.ExchangeDeclarePassiveAsync(DeadLetterExchange, cancellationToken);
        foreach (var queue in Queues(new MessagingOptions()).Keys)
        {
            await channel.QueueDeclarePassiveAsync(queue, cancellationToken);
        }
    }
}
