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
/// Each dead letter is republished (confirmed) before it is acked; the rest of the dead-letter
/// queue is handed back untouched.
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
    public async Task<RequeueResult> RequeueAsync(string batchId, IReadOnlySet<string>? jobIds, CancellationToken cancellationToken)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        await JobTopology.DeclareAsync(channel, options.Value, cancellationToken);
        var waiting = (await channel.QueueDeclarePassiveAsync(JobTopology.DeadLetterQueue, cancellationToken)).MessageCount;

        var selected = new Dictionary<string, (ulong Tag, byte[] Body)>(StringComparer.Ordinal);
        var duplicates = new List<ulong>();
        var others = new List<ulong>();
        // Take at most what was there at the start, holding the others unacked so none is seen twice.
        for (var i = 0; i < waiting && await channel.BasicGetAsync(JobTopology.DeadLetterQueue, autoAck: false, cancellationToken) is { } message; i++)
        {
            var ids = JobMessageReader.TryReadIds(message.Body.Span);
            if (ids.BatchId != batchId || ids.JobId is null || (jobIds is not null && !jobIds.Contains(ids.JobId)))
            {
                others.Add(message.DeliveryTag);
            }
            else if (!selected.TryAdd(ids.JobId, (message.DeliveryTag, message.Body.ToArray())))
            {
                duplicates.Add(message.DeliveryTag);
            }
        }

        // Pending again before they run again, so a quick new outcome cannot be overtaken by the marker.
        await tracker.RecordAsync(selected.Keys.Select(jobId => new JobOutcome(JobOutcome.CurrentSchemaVersion, jobId, batchId, JobStatus.Requeued,
            null, null, null, null, 0, false, "producer", time.GetUtcNow())).ToList(), cancellationToken);

        // A fresh start: the original message, without retry count or failure headers.
        await publisher.PublishAsync(JobTopology.JobsQueue, selected.Select(job => new OutgoingMessage(job.Key, job.Value.Body)).ToList(), cancellationToken);
        foreach (var tag in selected.Values.Select(job => job.Tag).Concat(duplicates))
        {
            await channel.BasicAckAsync(tag, multiple: false, cancellationToken);
        }

        foreach (var tag in others)
        {
            await channel.BasicNackAsync(tag, multiple: false, requeue: true, cancellationToken);
        }

        var requeued = selected.Count;
        metrics.Requeued(requeued);
        LogRequeued(logger, batchId, requeued, duplicates.Count);
        return new RequeueResult(requeued, duplicates.Count);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Batch {BatchId}: {Requeued} dead-lettered jobs requeued, {Duplicates} duplicate dead letters dropped")]
    private static partial void LogRequeued(ILogger logger, string batchId, int requeued, int duplicates);
}
