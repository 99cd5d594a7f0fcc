using ImageJobs.Contracts;

namespace ImageJobs.Producer.Batches;

/// <summary>A failed job and why.</summary>
public sealed record JobFailure(string JobId, string? ErrorCode, string? Error);

/// <summary>
/// What a client sees of a batch. <see cref="Pending"/> is every job not yet ended; of those,
/// <see cref="InFlight"/> are in a worker's hands and <see cref="Retrying"/> wait out a delay
/// after a transient failure. <see cref="Damage"/> says what of its stored state could not be read.
/// </summary>
public sealed record BatchStatus(
    string BatchId,
    DateTimeOffset CreatedAt,
    int Total,
    int Succeeded,
    int Failed,
    int Pending,
    int Retrying,
    int InFlight,
    bool Done,
    IReadOnlyList<JobFailure> Failures,
    double PerSecond = 0,
    double? EtaSeconds = null,
    string? Damage = null)
{
    /// <summary>A batch whose stored record cannot be read: nothing of it is known but its id and why.</summary>
    public static BatchStatus Damaged(string batchId, string damage) =>
        new(batchId, DateTimeOffset.MinValue, 0, 0, 0, 0, 0, 0, false, [], Damage: damage);
}

/// <summary>The counts of a batch still running, for the progress gauges: disjoint, they add up to the total.</summary>
public sealed record ActiveBatch(string BatchId, int Succeeded, int Failed, int Queued, int Retrying, int InFlight);

/// <summary>
/// Pure progress arithmetic of one batch. Each job's state is the latest report that supersedes
/// the one before (see <see cref="Supersedes"/>), keyed by job id, so a duplicate (a redelivered
/// job reported twice) is counted once and a report that arrives late changes nothing.
/// </summary>
public sealed class BatchProgress(string batchId, DateTimeOffset createdAt, int total)
{
    private readonly Dictionary<string, JobOutcome> _outcomes = new(StringComparer.Ordinal);
    private readonly ThroughputWindow _throughput = new(TimeSpan.FromMinutes(1));
    private DateTimeOffset? _heardAt;

    public string BatchId { get; } = batchId;

    public int Total { get; } = total;

    public int Succeeded { get; private set; }

    public int Failed { get; private set; }

    public int Retrying { get; private set; }

    public int InFlight { get; private set; }

    public bool Done => Succeeded + Failed >= Total;

    /// <summary>What of this batch's stored state could not be read (null: all of it was).</summary>
    public string? Damage { get; set; }

    /// <summary>Whether <paramref name="jobId"/> is one of this batch's jobs.</summary>
    public bool Contains(string jobId) => JobPlanner.TryReadIndex(BatchId, jobId) is { } index && index < Total;

    public int Pending => Math.Max(0, Total - Succeeded - Failed);

    /// <summary>When anything was last heard of this batch: a report, or its start or load.</summary>
    public DateTimeOffset LastHeardAt => _heardAt ?? createdAt;

    public void Heard(DateTimeOffset at)
    {
        if (at > LastHeardAt)
        {
            _heardAt = at;
        }
    }

    /// <summary>Unfinished, and nothing heard of it for <paramref name="quietFor"/>.</summary>
    public bool IsQuiet(DateTimeOffset now, TimeSpan quietFor) => !Done && now - LastHeardAt >= quietFor;

    /// <summary>The ids of the jobs not yet ended (job ids are the batch id and the job's index).</summary>
    public IReadOnlyList<string> UnendedJobIds() => Enumerable.Range(0, Total)
        .Select(index => JobPlanner.JobId(BatchId, index))
        .Where(jobId => _outcomes.GetValueOrDefault(jobId)?.Status is not (JobStatus.Succeeded or JobStatus.Failed))
        .ToList();

    public ActiveBatch Counts() => new(BatchId, Succeeded, Failed, Math.Max(0, Pending - Retrying - InFlight), Retrying, InFlight);

    /// <summary>Returns true when the report changed the job's state.</summary>
    public bool Apply(JobOutcome outcome)
    {
        if (outcome.BatchId != BatchId)
        {
            return false;
        }

        var previous = _outcomes.GetValueOrDefault(outcome.JobId);
        if (!Supersedes(outcome, previous))
        {
            return false;
        }

        Count(previous?.Status, -1);
        Count(outcome.Status, +1);
        _outcomes[outcome.JobId] = outcome;
        if (outcome.Status is JobStatus.Succeeded or JobStatus.Failed)
        {
            _throughput.Add(outcome.CompletedAt);
        }

        return true;
    }

    /// <summary>
    /// A success is final. A failure is final until an operator requeues the job, or a redelivered
    /// copy succeeds (its result exists); a job taken for lost also takes the failure of a copy
    /// that turns up after all, which says more. Progress (started, retrying) never overrides an end, and
    /// arrives by a different route than failures, so it is ordered by attempt: within an attempt a
    /// job starts, then may be retried; a report of an earlier stage arriving late is ignored.
    /// </summary>
    public static bool Supersedes(JobOutcome next, JobOutcome? previous) => (previous?.Status, next.Status) switch
    {
        (JobStatus.Succeeded, _) => false,
        (JobStatus.Failed, var status) => status is JobStatus.Succeeded or JobStatus.Requeued
            || (status is JobStatus.Failed && previous!.ErrorCode == ErrorCodes.Lost && next.ErrorCode != ErrorCodes.Lost),
        (_, JobStatus.Requeued) => false,
        (null or JobStatus.Requeued, _) => true,
        (_, JobStatus.Succeeded or JobStatus.Failed) => true,
        _ => Stage(next) > Stage(previous!),
    };

    private static int Stage(JobOutcome progress) => (2 * progress.Attempt) + (progress.Status == JobStatus.Retrying ? 1 : 0);

    private void Count(JobStatus? status, int delta)
    {
        switch (status)
        {
            case JobStatus.Succeeded:
                Succeeded += delta;
                break;
            case JobStatus.Failed:
                Failed += delta;
                break;
            case JobStatus.Retrying:
                Retrying += delta;
                break;
            case JobStatus.Started:
                InFlight += delta;
                break;
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
            Retrying,
            InFlight,
            Done,
            Failures(maxFailures),
            perSecond,
            now is null ? null : ThroughputWindow.EtaSeconds(Pending, perSecond),
            Damage);
    }
}
