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
    IReadOnlyList<JobFailure> Failures,
    double PerSecond = 0,
    double? EtaSeconds = null);

/// <summary>The counts of a batch still running, for the progress gauges.</summary>
public sealed record ActiveBatch(string BatchId, int Succeeded, int Failed, int Pending);

/// <summary>
/// Pure progress arithmetic of one batch. Outcomes are keyed by job id, so a duplicate outcome
/// (a redelivered job reported twice) is counted once. A success is final; a failure is final
/// until an operator requeues the job, which makes it pending again.
/// </summary>
public sealed class BatchProgress(string batchId, DateTimeOffset createdAt, int total)
{
    private readonly Dictionary<string, JobOutcome> _outcomes = new(StringComparer.Ordinal);
    private readonly ThroughputWindow _throughput = new(TimeSpan.FromMinutes(1));

    public string BatchId { get; } = batchId;

    public int Total { get; } = total;

    public int Succeeded { get; private set; }

    public int Failed { get; private set; }

    public bool Done => Succeeded + Failed >= Total;

    public int Pending => Math.Max(0, Total - Succeeded - Failed);

    public ActiveBatch Counts() => new(BatchId, Succeeded, Failed, Pending);

    /// <summary>Returns true when the outcome changed the counts.</summary>
    public bool Apply(JobOutcome outcome)
    {
        if (outcome.BatchId != BatchId)
        {
            return false;
        }

        var previous = _outcomes.TryGetValue(outcome.JobId, out var known) ? known.Status : (JobStatus?)null;
        var changes = (previous, outcome.Status) switch
        {
            (null, JobStatus.Requeued) => false,
            (null, _) => true,
            (JobStatus.Requeued, JobStatus.Succeeded or JobStatus.Failed) => true,
            (JobStatus.Failed, JobStatus.Succeeded or JobStatus.Requeued) => true,
            _ => false,
        };
        if (!changes)
        {
            return false;
        }

        Count(previous, -1);
        Count(outcome.Status, +1);
        _outcomes[outcome.JobId] = outcome;
        if (outcome.Status is JobStatus.Succeeded or JobStatus.Failed)
        {
            _throughput.Add(outcome.CompletedAt);
        }

        return true;
    }

    private void Count(JobStatus? status, int delta)
    {
        if (status == JobStatus.Succeeded)
        {
            Succeeded += delta;
        }
        else if (status == JobStatus.Failed)
        {
            Failed += delta;
        }
    }

    /// <summary>The first <paramref name="limit"/> failed jobs with their reasons, in job order.</summary>
    public IReadOnlyList<JobFailure> Failures(int limit = int.MaxValue) =>
        _outcomes.Values.Where(o => o.Status == JobStatus.Failed)
            .OrderBy(o => o.JobId, StringComparer.Ordinal)
            .Take(limit)
            .Select(o => new JobFailure(o.JobId, o.ErrorCode, o.Error))
            .ToList();

    /// <summary>The batch as a client sees it at <paramref name="now"/> (null: no rate or ETA).</summary>
    public BatchStatus Snapshot(DateTimeOffset? now = null, int maxFailures = 100)
    {
        var perSecond = now is { } at && !Done ? Math.Round(_throughput.PerSecond(at, createdAt), 2) : 0;
        return new(
            BatchId,
            createdAt,
            Total,
            Succeeded,
            Failed,
            Pending,
            Done,
            Failures(maxFailures),
            perSecond,
            now is null ? null : ThroughputWindow.EtaSeconds(Pending, perSecond));
    }
}
