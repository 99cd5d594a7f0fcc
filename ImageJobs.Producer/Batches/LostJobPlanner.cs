using Azure;
using ImageJobs.Contracts;

namespace ImageJobs.Producer.Batches;

/// <summary>
/// An unended job as stored: its latest report (null: none), how often it was republished and
/// when last, and its row's ETag (null: it has no row yet), which guards the record of a republish.
/// </summary>
public sealed record StoredJob(int Index, string JobId, JobOutcome? State, int Republished, DateTimeOffset? RepublishedAt, ETag? ETag);

/// <summary>A job to fail as <see cref="ErrorCodes.Lost"/>, and why.</summary>
public sealed record LostJob(StoredJob Job, string Reason);

/// <summary>What to do with a quiet batch's unended jobs: republish some, fail some, wait for the rest.</summary>
public sealed record LostJobPlan(IReadOnlyList<StoredJob> Republish, IReadOnlyList<LostJob> Fail, IReadOnlyList<StoredJob> Waiting);

/// <summary>How lost jobs are treated: the quiet period, and how many times one is republished before it is failed.</summary>
public readonly record struct LostJobRules(TimeSpan QuietFor, int Republishes);

/// <summary>
/// The pure policy for jobs of a quiet batch (nothing heard of it for the quiet period, and no
/// queue holding anything) that have not ended: each is republished from the batch's stored
/// definition up to <see cref="LostJobRules.Republishes"/> times, and failed as lost only after
/// that, or at once when its definition cannot be read. A job republished less than the quiet
/// period ago waits: its copy may still be on its way to a worker.
/// </summary>
public static class LostJobPlanner
{
    /// <summary>The jobs that are to be republished if their definitions can be read.</summary>
    public static IReadOnlyList<StoredJob> Due(IReadOnlyList<StoredJob> unended, LostJobRules rules, DateTimeOffset now) =>
        unended.Where(job => !HasEnded(job) && !IsWaiting(job, rules, now) && job.Republished < rules.Republishes).ToList();

    /// <summary>
    /// The plan, given the indexes whose stored definitions were read (<paramref name="defined"/>)
    /// and, when some could not be, why (<paramref name="definitionProblem"/>).
    /// </summary>
    public static LostJobPlan Plan(IReadOnlyList<StoredJob> unended, LostJobRules rules, DateTimeOffset now,
        IReadOnlySet<int> defined, string? definitionProblem)
    {
        var republish = new List<StoredJob>();
        var fail = new List<LostJob>();
        var waiting = new List<StoredJob>();
        var quiet = rules.QuietFor >= TimeSpan.FromMinutes(1) ? $"{rules.QuietFor.TotalMinutes:0.#} min" : $"{rules.QuietFor.TotalSeconds:0.#} s";
        var lost = $"No worker reported this job for {quiet} and no queue holds it: it was lost "
            + "(a broker restarted without its data, a purged queue, or publishing cut short by a crash)";
        foreach (var job in unended)
        {
            if (HasEnded(job))
            {
                continue;
            }

            if (IsWaiting(job, rules, now))
            {
                waiting.Add(job);
            }
            else if (job.Republished >= rules.Republishes)
            {
                fail.Add(new LostJob(job, rules.Republishes == 0
                    ? $"{lost}; republishing is off (LostJobs:Republishes is 0). Submit it again."
                    : $"{lost}, and lost again after each of its {job.Republished} republishes from the batch's definition (LostJobs:Republishes is {rules.Republishes}). Submit it again."));
            }
            else if (defined.Contains(job.Index))
            {
                republish.Add(job);
            }
            else
            {
                fail.Add(new LostJob(job, $"{lost}; it cannot be republished: {definitionProblem ?? "the batch's stored definition does not hold it"}. Submit it again."));
            }
        }

        return new LostJobPlan(republish, fail, waiting);
    }

    // A held job (its batch paused) is accounted for, not lost: it is published again on resume.
    private static bool HasEnded(StoredJob job) => job.State is { IsEnd: true } or { Status: JobStatus.Held };

    private static bool IsWaiting(StoredJob job, LostJobRules rules, DateTimeOffset now) =>
        job.RepublishedAt is { } at && now - at < rules.QuietFor;
}
