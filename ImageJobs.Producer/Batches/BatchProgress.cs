using ImageJobs.Worker.Contracts;

namespace ImageJobs.Producer.Batches;

/// <summary>A failed job and why.</summary>
public sealed record JobFailure(string JobId, string? ErrorCode, string? Error);

/// <summary>What a client sees of a batch.</summary>
public sealed record BatchStatus(
    string BatchId,
    DateTimeOffset CreatedAt,
    int Total,
    int Succeeded,
    int Failed,
    int Pending,
    bool Done,
    IReadOnlyList<JobFailure> Failures);

/// <summary>
/// Pure progress arithmetic of one batch. Outcomes are keyed by job id, so a duplicate outcome
/// (a redelivered job reported twice) is counted once; a success replaces an earlier failure
/// (a job requeued after a fix), never the other way round.
/// </summary>
public sealed class BatchProgress(string batchId, DateTimeOffset createdAt, int total)
{
    private readonly Dictionary<string, JobOutcome> _outcomes = new(StringComparer.Ordinal);

    public string BatchId { get; } = batchId;

    public int Total { get; } = total;

    public int Succeeded { get; private set; }

    public int Failed { get; private set; }

    public bool Done => Succeeded + Failed >= Total;

    /// <summary>Returns true when the outcome changed the counts.</summary>
    public bool Apply(JobOutcome outcome)
    {
        if (outcome.BatchId != BatchId)
        {
            return false;
        }

        if (!_outcomes.TryGetValue(outcome.JobId, out var previous))
        {
            _outcomes[outcome.JobId] = outcome;
            Count(outcome.Status, +1);
            return true;
        }

        if (previous.Status == JobStatus.Failed && outcome.Status == JobStatus.Succeeded)
        {
            _outcomes[outcome.JobId] = outcome;
            Count(JobStatus.Failed, -1);
            Count(JobStatus.Succeeded, +1);
            return true;
        }

        return false;
    }

    private void Count(JobStatus status, int delta)
    {
        if (status == JobStatus.Succeeded)
        {
            Succeeded += delta;
        }
        else
        {
            Failed += delta;
        }
    }

    public BatchStatus Snapshot(int maxFailures = 100) => new(
        BatchId,
        createdAt,
        Total,
        Succeeded,
        Failed,
        Math.Max(0, Total - Succeeded - Failed),
        Done,
        _outcomes.Values.Where(o => o.Status == JobStatus.Failed)
            .OrderBy(o => o.JobId, StringComparer.Ordinal)
            .Take(maxFailures)
            .Select(o => new JobFailure(o.JobId, o.ErrorCode, o.Error))
            .ToList());
}
