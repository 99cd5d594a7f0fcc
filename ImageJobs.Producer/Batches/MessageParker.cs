using ImageJobs.Messaging;
using ImageJobs.Producer.Telemetry;

namespace ImageJobs.Producer.Batches;

/// <summary>A message that cannot be used where it was read: its body as it came, where from, and why.</summary>
public sealed record ParkedMessage(string Queue, string? MessageId, ReadOnlyMemory<byte> Body, string Reason);

/// <summary>
/// Sets aside what a consumer cannot use, in <see cref="JobTopology.ParkedQueue"/>, with its reason
/// in a header, so the consumer can ack it and go on: one bad message never stops the others,
/// and none is dropped unseen. Counted as <c>imagejobs.messages.parked</c>.
/// </summary>
public sealed partial class MessageParker(ConfirmedPublisher publisher, ProducerMetrics metrics, ILogger<MessageParker> logger)
{
    public const string ReasonHeader = "x-imagejobs-parked-reason";
    public const string FromHeader = "x-imagejobs-parked-from";

    // Header values stay small; the body keeps everything else.
    private const int MaxReasonLength = 1_000;

    /// <summary>Returns once the broker has confirmed every one: only then may their deliveries be acked.</summary>
    public async Task ParkAsync(IReadOnlyList<ParkedMessage> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0)
        {
            return;
        }

        await publisher.PublishAsync(JobTopology.ParkedQueue, messages, static message => new OutgoingMessage(
            message.MessageId ?? string.Empty,
            message.Body,
            new Dictionary<string, object?>
            {
                [ReasonHeader] = message.Reason.Length > MaxReasonLength ? message.Reason[..MaxReasonLength] : message.Reason,
                [FromHeader] = message.Queue,
            }), cancellationToken);

        foreach (var message in messages)
        {
            metrics.Parked(message.Queue);
            LogParked(logger, message.Queue, message.MessageId, message.Reason);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A message from {Queue} (id {MessageId}) cannot be used and was parked in imagejobs.parked: {Reason}")]
    private static partial void LogParked(ILogger logger, string queue, string? messageId, string reason);
}
