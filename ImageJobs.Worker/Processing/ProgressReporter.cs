using System.Text.Json;
using ImageJobs.Contracts;
using ImageJobs.Messaging;
using Microsoft.Extensions.Options;

namespace ImageJobs.Worker.Processing;

/// <summary>
/// What the worker tells the producer about a job as it goes (started, retrying, succeeded), on
/// the outcomes queue. Progress is best effort; a success is confirmed before its job is acked.
/// </summary>
public sealed partial class ProgressReporter(
    ConfirmedPublisher publisher,
    IOptions<MessagingOptions> options,
    TimeProvider time,
    ILogger<ProgressReporter> logger)
{
    /// <summary>Who handles a job: recorded on its reports, its result and its dead letter.</summary>
    public static readonly string WorkerName = $"{Environment.MachineName}/{Environment.ProcessId}";

    private static readonly TimeSpan ProgressReportTimeout = TimeSpan.FromSeconds(5);

    public JobOutcome Report(RenderJob job, JobStatus status, int attempt, bool redelivered) =>
        new(JobOutcome.CurrentSchemaVersion, job.JobId, job.BatchId, status, null, null, null, null, attempt, redelivered, WorkerName, time.GetUtcNow());

    /// <summary>Publishes a report and returns once the broker has confirmed it.</summary>
    public Task PublishAsync(JobOutcome report, CancellationToken cancellationToken) =>
        publisher.PublishAsync(
            JobTopology.OutcomesQueue,
            new OutgoingMessage(report.JobId, JsonSerializer.SerializeToUtf8Bytes(report, JobJson.Default.JobOutcome)),
            cancellationToken);

    /// <summary>
    /// Progress is best effort: one try, bounded, so a broker in trouble never holds up the job's end
    /// for it, and failing to report it never fails the job (a running job's next heartbeat makes up
    /// for a lost one).
    /// </summary>
    public async Task TryReportAsync(JobOutcome report, CancellationToken cancellationToken = default)
    {
        try
        {
            using var timeout = new CancellationTokenSource(ProgressReportTimeout, time);
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
            await PublishAsync(report, bounded.Token);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Not needed any more (the job has ended).
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Best effort, whatever the cause: broker trouble, or the worker shutting down under it.
            LogProgressNotReported(logger, ex, report.JobId, report.BatchId, report.Status);
        }
    }

    /// <summary>
    /// Reports the start again every <see cref="MessagingOptions.ProgressHeartbeat"/> until
    /// <paramref name="running"/> is cancelled. A repeat changes no count; it tells the producer the
    /// job is not lost. One arriving after the job's end is older by attempt or stage, and ignored.
    /// </summary>
    public async Task ReportStartedWhileRunningAsync(RenderJob job, int attempt, bool redelivered, CancellationToken running)
    {
        using var timer = new PeriodicTimer(options.Value.ProgressHeartbeat, time);
        try
        {
            while (await timer.WaitForNextTickAsync(running))
            {
                await TryReportAsync(Report(job, JobStatus.Started, attempt, redelivered), running);
            }
        }
        catch (OperationCanceledException)
        {
            // The job ended.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} of batch {BatchId}: reporting {Status} failed; the batch's progress shows it late or not at all")]
    private static partial void LogProgressNotReported(ILogger logger, Exception exception, string jobId, string batchId, JobStatus status);
}
