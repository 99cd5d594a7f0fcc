using ImageJobs.Contracts;

namespace ImageJobs.Producer.Batches;

/// <summary>A failed job and why.</summary>
public sealed record JobFailure(string JobId, string? ErrorCode, string? Error);

/// <summary>
/// What a client sees of a batch. <see cref="Pending"/> is every job not yet ended; of those,
/// <see cref="InFlight"/> are in a worker's hands, <see cref="Retrying"/> wait out a delay
/// after a transient failure and <see cref="Held"/> wait for the paused batch's resume.
/// <see cref="Cancelled"/> jobs ended without rendering. <see cref="State"/> is one of
/// <see cref="BatchStates"/>. <see cref="Damage"/> says what of its stored state could not be read.
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
    string? Damage = null,
    int Cancelled = 0,
    int Held = 0,
    string State = BatchStates.Running)
{
    /// <summary>A batch whose stored record cannot be read: nothing of it is known but its id and why.</summary>
    public static BatchStatus Damaged(string batchId, string damage) =>
        new(batchId, DateTimeOffset.MinValue, 0, 0, 0, 0, 0, 0, false, [], Damage: damage);
}

/// <summary>A batch's state as the status API says it.</summary>
public static class BatchStates
{
    public const string Running = "running";

    /// <summary>Paused: its jobs are held (not rendered) until it is resumed.</summary>
    public const string Paused = "paused";

    /// <summary>Cancelled, with jobs still to be settled.</summary>
    public const string Cancelling = "cancelling";

    /// <summary>Every job ended, some of them cancelled.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>Every job ended (succeeded or failed), none cancelled.</summary>
    public const string Completed = "completed";

    /// <summary>The state from the counts and the batch's control.</summary>
    public static string Of(bool done, int cancelled, Contracts.BatchControlState control) => (done, control) switch
    {
        (true, _) => cancelled > 0 ? Cancelled : Completed,
        (false, Contracts.BatchControlState.Cancelled) => Cancelling,
        (false, Contracts.BatchControlState.Paused) => Paused,
        _ => Running,
    };
}

/// <summary>The counts of a batch still running, for the progress gauges: disjoint, they add up to the total.</summary>
public sealed record ActiveBatch(string BatchId, int Succeeded, int Failed, int Queued, int Retrying, int InFlight, int Cancelled = 0, int Held = 0);

/// <summary>Jobs by state, or a change to them; a batch's counts are the sum of its writers' changes.</summary>
public readonly record struct BatchCounts(int Succeeded, int Failed, int Retrying, int InFlight, int Cancelled = 0, int Held = 0)
{
    public static BatchCounts operator +(BatchCounts a, BatchCounts b) =>
        new(a.Succeeded + b.Succeeded, a.Failed + b.Failed, a.Retrying + b.Retrying, a.InFlight + b.InFlight, a.Cancelled + b.Cancelled, a.Held + b.Held);

    public bool IsZero => this == default;

    /// <summary>The jobs that have ended: succeeded, failed or cancelled.</summary>
    public int Ended => Succeeded + Failed + Cancelled;

    /// <summary>What is wrong with these as a batch of <paramref name="total"/> jobs' counts (null: nothing).</summary>
    public string? Inconsistency(int total) =>
        Succeeded < 0 || Failed < 0 || Retrying < 0 || InFlight < 0 || Cancelled < 0 || Held < 0 || Ended + Retrying + InFlight + Held > total
            ? $"its counts ({Succeeded} succeeded, {Failed} failed, {Cancelled} cancelled, {Retrying} retrying, {InFlight} in flight, {Held} held) do not fit its {total} jobs"
            : null;
}

/// <summary>A job whose state a group of reports changed: as stored before, and as it is to be stored.</summary>
public sealed record JobChange(string JobId, JobOutcome? Before, JobOutcome After);

/// <summary>
/// Pure progress arithmetic over some of a batch's jobs: their stored states are made known
/// (<see cref="Know"/>), reports are applied, and what changed comes out with the change in the
/// counts. Each job's state is the latest report that supersedes the one before (see
/// <see cref="Supersedes"/>), keyed by job id, so a duplicate (a redelivered job reported twice)
/// is counted once and a report that arrives late changes nothing.
/// </summary>
public sealed class BatchProgress(string batchId, int total)
{
    private readonly Dictionary<string, JobOutcome> _outcomes = new(StringComparer.Ordinal);

    // The stored state of each changed job before its first change (null: none was stored).
    private readonly Dictionary<string, JobOutcome?> _before = new(StringComparer.Ordinal);

    public string BatchId { get; } = batchId;

    public int Total { get; } = total;

    public int Succeeded => Counts.Succeeded;

    public int Failed => Counts.Failed;

    public int Retrying => Counts.Retrying;

    public int InFlight => Counts.InFlight;

    /// <summary>The change in the counts since the known states.</summary>
    public BatchCounts Counts { get; private set; }

    /// <summary>Whether <paramref name="jobId"/> is one of this batch's jobs.</summary>
    public bool Contains(string jobId) => JobPlanner.TryReadIndex(BatchId, jobId) is { } index && index < Total;

    /// <summary>A job's stored state: the base that reports apply to, neither counted nor a change.</summary>
    public void Know(JobOutcome stored) => _outcomes[stored.JobId] = stored;

    /// <summary>The job's state as known or applied so far (null: nothing of it).</summary>
    public JobOutcome? StateOf(string jobId) => _outcomes.GetValueOrDefault(jobId);

    /// <summary>The ids of the jobs not yet ended, of those known or applied (job ids are the batch id and the job's index).</summary>
    public IReadOnlyList<string> UnendedJobIds() => Enumerable.Range(0, Total)
        .Select(index => JobPlanner.JobId(BatchId, index))
        .Where(jobId => _outcomes.GetValueOrDefault(jobId) is not { IsEnd: true })
        .ToList();

    /// <summary>The jobs whose state changed, in job order.</summary>
    public IReadOnlyList<JobChange> Changes() => _before
        .Select(change => new JobChange(change.Key, change.Value, _outcomes[change.Key]))
        .Where(change => change.Before != change.After)
        .OrderBy(change => change.JobId, StringComparer.Ordinal)
        .ToList();

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

        _before.TryAdd(outcome.JobId, previous);
        Counts += Change(previous?.Status, outcome.Status);
        _outcomes[outcome.JobId] = outcome;
        return true;
    }

    /// <summary>
    /// A success is final. A failure is final until an operator requeues the job, or a redelivered
    /// copy succeeds (its result exists); a job taken for lost also takes the failure of a copy
    /// that turns up after all, which says more. A cancel is final but for a copy that rendered
    /// (its result exists). Progress (started, retrying, held) never overrides an end, and
    /// arrives by a different route than failures, so it is ordered by attempt: within an attempt a
    /// job starts, then may be retried; a report of an earlier stage arriving late is ignored. A
    /// held job is released (requeued) by the producer on resume.
    /// </summary>
    public static bool Supersedes(JobOutcome next, JobOutcome? previous) => (previous?.Status, next.Status) switch
    {
        (JobStatus.Succeeded, _) => false,
        (JobStatus.Cancelled, var status) => status is JobStatus.Succeeded,
        (JobStatus.Failed, var status) => status is JobStatus.Succeeded or JobStatus.Requeued
            || (status is JobStatus.Failed && previous!.ErrorCode == ErrorCodes.Lost && next.ErrorCode != ErrorCodes.Lost),
        (JobStatus.Held, JobStatus.Requeued) => true,
        (_, JobStatus.Requeued) => false,
        (null or JobStatus.Requeued, _) => true,
        (_, JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled) => true,
        _ => Stage(next) > Stage(previous!),
    };

    // An attempt starts, then is retried or held (its batch paused): either comes after its start.
    private static int Stage(JobOutcome progress) => (2 * progress.Attempt) + (progress.Status is JobStatus.Retrying or JobStatus.Held ? 1 : 0);

    /// <summary>What a job's move from <paramref name="before"/> to <paramref name="after"/> does to the counts.</summary>
    public static BatchCounts Change(JobStatus? before, JobStatus after) => Of(after, +1) + Of(before, -1);

    private static BatchCounts Of(JobStatus? status, int delta) => status switch
    {
        JobStatus.Succeeded => new(delta, 0, 0, 0),
        JobStatus.Failed => new(0, delta, 0, 0),
        JobStatus.Retrying => new(0, 0, delta, 0),
        JobStatus.Started => new(0, 0, 0, delta),
        JobStatus.Cancelled => new(0, 0, 0, 0, Cancelled: delta),
        JobStatus.Held => new(0, 0, 0, 0, Held: delta),
        _ => default,
    };

    /// <summary>The failed jobs with their reasons, in job order.</summary>
    public IReadOnlyList<JobFailure> Failures() =>
        _outcomes.Values.Where(o => o.Status == JobStatus.Failed)
            .OrderBy(o => o.JobId, StringComparer.Ordinal)
            .Select(o => new JobFailure(o.JobId, o.ErrorCode, o.Error))
            .ToList();
}
