using System.ComponentModel.DataAnnotations;
using ImageJobs.Contracts;
using ImageJobs.Messaging;
using ImageJobs.Producer.Telemetry;
using Microsoft.Extensions.Options;

namespace ImageJobs.Producer.Batches;

/// <summary>When a batch's unended jobs count as lost, and how they are healed, bound from <c>LostJobs</c>.</summary>
public sealed class LostJobOptions
{
    public const string SectionName = "LostJobs";

    /// <summary>
    /// How long nothing may be heard of an unfinished batch, with no queue holding anything, before
    /// its unended jobs count as lost. At least <see cref="MessagingOptions.LongestSilence"/>
    /// of the workers' settings (<see cref="MessagingOptions.QuietPeriodRule"/>).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan QuietFor { get; set; } = TimeSpan.FromMinutes(10);

    [Range(typeof(TimeSpan), "00:00:00.1", "01:00:00")]
    public TimeSpan CheckEvery { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many times a lost job is published again from its batch's definition before it is failed as lost (0: never).</summary>
    [Range(0, 100, ErrorMessage = "LostJobs:Republishes must be between 0 and 100.")]
    public int Republishes { get; set; } = 3;
}

/// <summary>
/// Heals the jobs the broker has lost, so that no batch waits for ever: a job that is in no queue
/// and that no worker reports can never end (a broker that restarts without its data, a purged
/// queue, a batch whose publishing a crash cut short). Such a job is published again from the
/// batch's stored definition, the same message as before, up to <see cref="LostJobOptions.Republishes"/>
/// times, each republish recorded on the job's row first (only the replica whose record is stored
/// publishes); after that it is recorded as failed with <see cref="ErrorCodes.Lost"/>, and should a
/// copy still end after all, its success or its own failure replaces that. Anything in the checked
/// queues postpones the judgement: nothing is lost while it is there to be worked on. The policy
/// is <see cref="LostJobPlanner"/>'s.
/// </summary>
public sealed partial class LostJobSweeper(
    BatchTracker tracker,
    BatchStore store,
    JobDefinitions definitions,
    ConfirmedPublisher publisher,
    QueueSampler queues,
    ProducerMetrics metrics,
    TimeProvider time,
    IOptions<LostJobOptions> options,
    ILogger<LostJobSweeper> logger) : BackgroundService
{
    // Every queue whose messages may still end a pending job: the work queue, the delays, and the
    // reports on their way to the producer.
    private static readonly string[] QueuesThatCanEndJobs =
        [JobTopology.JobsQueue, .. JobTopology.RetryDelays.Select(JobTopology.RetryQueue), JobTopology.OutcomesQueue, JobTopology.DeadLetterEventsQueue];

    // Per record: bounds what one call holds in memory and writes before the next.
    private const int RecordGroup = 1_000;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicSweep.RunAsync(options.Value.CheckEvery, time, SweepAsync, ex => LogSweepFailed(logger, ex), stoppingToken);

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        var rules = new LostJobRules(options.Value.QuietFor, options.Value.Republishes);
        var quiet = await tracker.FindQuietAsync(rules.QuietFor, cancellationToken);
        if (quiet.Count == 0 || (await queues.SampleAsync(QueuesThatCanEndJobs, cancellationToken)).Any(q => q.Messages > 0))
        {
            return;
        }

        foreach (var batch in quiet)
        {
            var now = time.GetUtcNow();
            var due = LostJobPlanner.Due(batch.Unended, rules, now);
            var defined = due.Count == 0
                ? new DefinedJobs(new Dictionary<int, ReadOnlyMemory<byte>>(), null)
                : await definitions.ReadAsync(batch.BatchId, batch.Total, due.Select(job => job.Index).ToHashSet(), cancellationToken);
            var plan = LostJobPlanner.Plan(batch.Unended, rules, now, defined.Jobs.Keys.ToHashSet(), defined.Problem);
            await RepublishAsync(batch.BatchId, plan.Republish, defined, now, cancellationToken);
            await FailAsync(batch.BatchId, plan.Fail, now, cancellationToken);
        }
    }

    private async Task RepublishAsync(string batchId, IReadOnlyList<StoredJob> jobs, DefinedJobs defined, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (jobs.Count == 0)
        {
            return;
        }

        // Recorded first, published second: a publish that fails after the record leaves the job
        // lost again, for the next republish; the other way round, two replicas could both publish.
        var recorded = await store.RecordRepublishAsync(batchId, jobs, now, cancellationToken);
        await publisher.PublishAsync(JobTopology.JobsQueue, recorded.Select(job => new OutgoingMessage(job.JobId, defined.Jobs[job.Index])).ToList(), cancellationToken);
        metrics.Republished(recorded.Count);
        LogRepublished(logger, batchId, recorded.Count, recorded.Count == 0 ? 0 : recorded.Max(job => job.Republished) + 1);
    }

    private async Task FailAsync(string batchId, IReadOnlyList<LostJob> jobs, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (jobs.Count == 0)
        {
            return;
        }

        foreach (var group in jobs.Chunk(RecordGroup))
        {
            await tracker.RecordAsync(group.Select(lost => new JobOutcome(JobOutcome.CurrentSchemaVersion, lost.Job.JobId, batchId,
                JobStatus.Failed, null, null, ErrorCodes.Lost, lost.Reason, 0, false, "producer", now)).ToList(), cancellationToken);
        }

        metrics.Lost(jobs.Count);
        LogLost(logger, batchId, jobs.Count, jobs[0].Reason);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch {BatchId}: {Count} jobs in no queue and unreported were published again from the batch's definition (republish {Republish} at most)")]
    private static partial void LogRepublished(ILogger logger, string batchId, int count, int republish);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch {BatchId}: {Count} jobs are in no queue and unreported; recorded as failed (job.lost): {Reason}")]
    private static partial void LogLost(ILogger logger, string batchId, int count, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Looking for lost jobs failed; looking again at the next check")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
