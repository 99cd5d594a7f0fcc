using ImageJobs.Contracts;
using ImageJobs.Messaging;
using ImageJobs.Producer.Batches;

namespace ImageJobs.Producer.Control;

/// <summary>
/// The jobs a paused batch's workers held (reported <see cref="JobStatus.Held"/>, acked, not
/// rendered): once the batch runs again, each is released (recorded requeued, only if its row is
/// still as read, so of two replicas one publishes it) and published again from the batch's
/// definition, the same message as first published; once it is cancelled, each is recorded
/// cancelled. A released job whose definition cannot be read stays pending in no queue, for the
/// lost-job sweep to fail with the reason.
/// </summary>
public sealed partial class HeldJobs(
    BatchTracker tracker,
    BatchStore store,
    JobDefinitions definitions,
    ConfirmedPublisher publisher,
    TimeProvider time,
    ILogger<HeldJobs> logger)
{
    // Per record: bounds what one call holds in memory and writes before the next.
    private const int RecordGroup = 1_000;

    /// <summary>Releases or cancels the batch's held jobs as its control says (a paused batch keeps them); returns how many.</summary>
    public async Task<int> SettleAsync(BatchDefinition batch, BatchControlState state, CancellationToken cancellationToken)
    {
        if (state == BatchControlState.Paused || (await store.ReadCountsAsync(batch.BatchId, cancellationToken)).Counts.Held <= 0)
        {
            return 0;
        }

        var held = (await store.ReadJobRowsAsync(batch.BatchId, cancellationToken)).Values
            .Where(row => row.State?.Status == JobStatus.Held).ToList();
        var settled = 0;
        foreach (var group in held.Chunk(RecordGroup))
        {
            settled += state == BatchControlState.Cancelled
                ? await CancelAsync(batch, group, cancellationToken)
                : await ReleaseAsync(batch, group, cancellationToken);
        }

        return settled;
    }

    private async Task<int> CancelAsync(BatchDefinition batch, StoredJob[] held, CancellationToken cancellationToken)
    {
        await tracker.RecordAsync([.. held.Select(job => Report(batch.BatchId, job.JobId, JobStatus.Cancelled))], cancellationToken);
        LogCancelled(logger, batch.BatchId, held.Length);
        return held.Length;
    }

    private async Task<int> ReleaseAsync(BatchDefinition batch, StoredJob[] held, CancellationToken cancellationToken)
    {
        // Recorded first, published second: a publish that fails leaves the job pending in no queue, for the lost-job sweep.
        var released = await store.ApplyChangesAsync(batch, [.. held.Select(job => Report(batch.BatchId, job.JobId, JobStatus.Requeued))], cancellationToken);
        if (released.Count == 0)
        {
            return 0;
        }

        var indexes = held.Where(job => released.Contains(job.JobId)).Select(job => job.Index).ToHashSet();
        var defined = await definitions.ReadAsync(batch.BatchId, batch.Total, indexes, cancellationToken);
        await publisher.PublishAsync(JobTopology.JobsQueue,
            [.. defined.Jobs.OrderBy(job => job.Key).Select(job => new OutgoingMessage(JobPlanner.JobId(batch.BatchId, job.Key), job.Value))], cancellationToken);
        LogReleased(logger, batch.BatchId, defined.Jobs.Count);
        if (defined.Jobs.Count < indexes.Count)
        {
            LogNotDefined(logger, batch.BatchId, indexes.Count - defined.Jobs.Count, defined.Problem ?? "the batch's stored definition does not hold them");
        }

        return defined.Jobs.Count;
    }

    private JobOutcome Report(string batchId, string jobId, JobStatus status) =>
        new(JobOutcome.CurrentSchemaVersion, jobId, batchId, status, null, null, null, null, 0, false, "producer", time.GetUtcNow());

    [LoggerMessage(Level = LogLevel.Information, Message = "Batch {BatchId}: {Count} held jobs published again from the batch's definition (resumed)")]
    private static partial void LogReleased(ILogger logger, string batchId, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Batch {BatchId}: {Count} held jobs recorded cancelled")]
    private static partial void LogCancelled(ILogger logger, string batchId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch {BatchId}: {Count} held jobs cannot be published again: {Problem}; the lost-job sweep fails them")]
    private static partial void LogNotDefined(ILogger logger, string batchId, int count, string problem);
}
