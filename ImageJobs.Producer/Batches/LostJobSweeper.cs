using System.ComponentModel.DataAnnotations;
using ImageJobs.Contracts;
using ImageJobs.Messaging;
using ImageJobs.Producer.Telemetry;
using Microsoft.Extensions.Options;

namespace ImageJobs.Producer.Batches;

/// <summary>When a batch's unended jobs count as lost, bound from <c>LostJobs</c>.</summary>
public sealed class LostJobOptions
{
    public const string SectionName = "LostJobs";

    /// <summary>
    /// How long nothing may be heard of an unfinished batch, with no queue holding anything, before
    /// its unended jobs are failed as lost. At least <see cref="MessagingOptions.LongestSilence"/>
    /// of the workers' settings (<see cref="MessagingOptions.QuietPeriodRule"/>).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan QuietFor { get; set; } = TimeSpan.FromMinutes(10);

    [Range(typeof(TimeSpan), "00:00:00.1", "01:00:00")]
    public TimeSpan CheckEvery { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Ends the jobs the broker has lost, so that no batch waits for ever: a job that is in no queue
/// and that no worker reports can never end (a broker that restarts without its data, a purged
/// queue, a batch whose publishing a crash cut short and that was not submitted again). Such jobs
/// are recorded as failed with <see cref="ErrorCodes.Lost"/>; should a copy still end after all, its
/// success or its own failure replaces that. Anything in the checked queues postpones the
/// judgement: nothing is lost while it is there to be worked on.
/// </summary>
public sealed partial class LostJobSweeper(
    BatchTracker tracker,
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
        var quietFor = options.Value.QuietFor;
        var quiet = await tracker.FindQuietAsync(quietFor, cancellationToken);
        if (quiet.Count == 0 || (await queues.SampleAsync(QueuesThatCanEndJobs, cancellationToken)).Any(q => q.Messages > 0))
        {
            return;
        }

        var now = time.GetUtcNow();
        var error = $"No worker reported this job for {quietFor.TotalMinutes:0.#} min and no queue holds it: it was lost "
            + "(a broker restarted without its data, or publishing cut short by a crash). Submit it again.";
        foreach (var batch in quiet)
        {
            foreach (var group in batch.UnendedJobIds.Chunk(RecordGroup))
            {
                await tracker.RecordAsync(group.Select(jobId => new JobOutcome(JobOutcome.CurrentSchemaVersion, jobId, batch.BatchId,
                    JobStatus.Failed, null, null, ErrorCodes.Lost, error, 0, false, "producer", now)).ToList(), cancellationToken);
            }

            metrics.Lost(batch.UnendedJobIds.Count);
            LogLost(logger, batch.BatchId, batch.UnendedJobIds.Count, quietFor.TotalMinutes);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch {BatchId}: {Count} jobs are in no queue and unreported for {QuietMinutes} min; recorded as failed (job.lost)")]
    private static partial void LogLost(ILogger logger, string batchId, int count, double quietMinutes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Looking for lost jobs failed; looking again at the next check")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
