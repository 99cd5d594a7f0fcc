using ImageJobs.Contracts;

namespace ImageJobs.Producer.Batches;

/// <summary>
/// Whether a report ends one of the last jobs of its batch. A batch's jobs are published in index
/// order and taken from one queue in that order, so the ends of its last few jobs are its last
/// reports (a retried or redelivered job aside): a group holding one is stored at once, and the
/// batch is seen to end when it ends rather than a window later. Each replica can tell from the
/// report alone, whatever share of the batch's reports it is given.
/// </summary>
public static class BatchTail
{
    public static bool Ends(JobOutcome outcome, int? total, int tailJobs) =>
        outcome.IsEnd && total is > 0 && JobPlanner.TryReadIndex(outcome.BatchId, outcome.JobId) is { } index
        && index < total && index >= total - tailJobs;
}
