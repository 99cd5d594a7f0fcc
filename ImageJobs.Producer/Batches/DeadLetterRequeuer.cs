using ImageJobs.Contracts;
using ImageJobs.Messaging;
using ImageJobs.Producer.Telemetry;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace ImageJobs.Producer.Batches;

/// <summary>What a requeue did: jobs sent back to work, and duplicate dead letters dropped.</summary>
public sealed record RequeueResult(int Requeued, int DuplicatesDropped);

/// <summary>
/// Sends a batch's dead-lettered jobs (all, or the ones named) back to the work queue after a fix.
/// The dead-letter queue is read once through, a window at a time: each selected dead letter is
/// republished to the work queue, every other one to the back of the dead-letter queue, both
/// confirmed before the window is acked. So at most a window is ever unacked, and the other
/// batches' dead letters are never handed back (which would count toward their delivery limit).
/// </summary>
public sealed partial class DeadLetterRequeuer(
    IConnection connection,
    ConfirmedPublisher publisher,
    BatchTracker tracker,
    TimeProvider time,
    ProducerMetrics metrics,
    IOptions<MessagingOptions> options,
    ILogger<DeadLetterRequeuer> logger)
{
    private const int Window = 500;

    public async Task<RequeueResult> RequeueAsync(string batchId, IReadOnlySet<string>? jobIds, CancellationToken cancellationToken)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        await JobTopology.DeclareAsync(channel, options.Value, cancellationToken);
        var waiting = (await channel.QueueDeclarePassiveAsync(JobTopology.DeadLetterQueue, cancellationToken)).MessageCount;

        // Across windows: a job dead-lettered twice is sent back once.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var duplicates = 0;
        // Only what was there at the start: what is moved to the back comes after it.
        for (var taken = 0u; taken < waiting;)
        {
            var selected = new List<(string JobId, byte[] Body)>();
            var others = new List<OutgoingMessage>();
            ulong lastTag = 0;
            while (taken < waiting && selected.Count + others.Count < Window
                && await channel.BasicGetAsync(JobTopology.DeadLetterQueue, autoAck: false, cancellationToken) is { } message)
            {
                taken++;
                lastTag = message.DeliveryTag;
                var ids = JobMessageReader.TryReadIds(message.Body.Span);
                if (ids.BatchId != batchId || ids.JobId is null || (jobIds is not null && !jobIds.Contains(ids.JobId)))
                {
                    others.Add(new OutgoingMessage(message.BasicProperties.MessageId ?? string.Empty, message.Body.ToArray(), Headers(message.BasicProperties)));
                }
                else if (seen.Add(ids.JobId))
                {
                    selected.Add((ids.JobId, message.Body.ToArray()));
                }
                else
                {
                    duplicates++;
                }
            }

            if (lastTag == 0)
            {
                break;
            }

            // Pending again before they run again, so a quick new outcome cannot be overtaken by the marker.
            await tracker.RecordAsync(selected.Select(job => new JobOutcome(JobOutcome.CurrentSchemaVersion, job.JobId, batchId, JobStatus.Requeued,
                null, null, null, null, 0, false, "producer", time.GetUtcNow())).ToList(), cancellationToken);

            // A fresh start: the original message, without retry count or failure headers.
            await publisher.PublishAsync(JobTopology.JobsQueue, selected.Select(job => new OutgoingMessage(job.JobId, job.Body)).ToList(), cancellationToken);
            await publisher.PublishAsync(JobTopology.DeadLetterQueue, others, cancellationToken);
            await channel.BasicAckAsync(lastTag, multiple: true, cancellationToken);
            metrics.Requeued(selected.Count);
        }

        var requeued = seen.Count;
        LogRequeued(logger, batchId, requeued, duplicates);
        return new RequeueResult(requeued, duplicates);
    }

    /// <summary>A dead letter's headers (why it failed, where it died), kept as it moves to the back; the broker's count of this copy's deliveries starts again.</summary>
    private static Dictionary<string, object?>? Headers(IReadOnlyBasicProperties properties) =>
        properties.Headers is { Count: > 0 } headers
            ? headers.Where(h => h.Key != "x-delivery-count").ToDictionary(h => h.Key, h => h.Value, StringComparer.Ordinal)
            : null;

    [LoggerMessage(Level = LogLevel.Information, Message = "Batch {BatchId}: {Requeued} dead-lettered jobs requeued, {Duplicates} duplicate dead letters dropped")]
    private static partial void LogRequeued(ILogger logger, string batchId, int requeued, int duplicates);
}
