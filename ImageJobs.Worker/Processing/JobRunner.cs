using System.Diagnostics;
using ImageJobs.Contracts;
using ImageJobs.Messaging;
using ImageJobs.Worker.Telemetry;
using Microsoft.Extensions.Options;

namespace ImageJobs.Worker.Processing;

/// <summary>
/// Runs the job of each delivery, one at a time: reads the message, runs the job under its time
/// limit while its start is reported (again every heartbeat), then settles the delivery. It is
/// acked only after its result is uploaded and its success confirmed, or after it has been handed
/// on as <see cref="FailurePolicy"/> decides (to a delay queue, or to the dead-letter exchange with
/// its code), so a worker that dies at any point leaves the message to the broker.
/// </summary>
public sealed partial class JobRunner(
    JobProcessor processor,
    ProgressReporter progress,
    BatchControlCache controls,
    ConfirmedPublisher publisher,
    WorkerMetrics metrics,
    IOptions<MessagingOptions> options,
    TimeProvider time,
    ILogger<JobRunner> logger) : IDisposable
{
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    public async Task RunAsync(InboundDelivery delivery)
    {
        await _oneAtATime.WaitAsync();
        metrics.JobStarted();
        try
        {
            await RunJobAsync(delivery);
        }
        catch (Exception ex) when (ConfirmedPublisher.IsRetryable(ex))
        {
            // The outcome or the hand-on could not be published (broker trouble): give the job
            // back rather than hold it unacknowledged.
            LogHandOnFailed(logger, ex, delivery.MessageId);
            await delivery.RequeueAsync();
        }
        finally
        {
            metrics.JobEnded();
            _oneAtATime.Release();
        }
    }

    /// <summary>Waits for the job in hand, then takes the gate for good: no job starts after this.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => _oneAtATime.WaitAsync(cancellationToken);

    private async Task RunJobAsync(InboundDelivery delivery)
    {
        var retries = AmqpHeaders.Number(delivery.Properties.Headers, FailureHeaders.Retries);
        var attempt = FailureHeaders.Attempt(delivery.Properties);
        using var activity = JobProcessor.ActivitySource.StartActivity(
            "process job", ActivityKind.Consumer, MessageTracing.Extract(delivery.Properties));
        var started = time.GetTimestamp();

        RenderJob job;
        try
        {
            job = JobMessageReader.Read(delivery.Body.Span);
        }
        catch (JobFailedException ex)
        {
            LogMalformed(logger, ex, delivery.MessageId, ex.Code);
            await DeadLetterAsync(delivery, ex.Code, ex.Message, attempt, time.GetElapsedTime(started));
            return;
        }

        activity?.SetTag("imagejobs.job_id", job.JobId);
        activity?.SetTag("imagejobs.batch_id", job.BatchId);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["JobId"] = job.JobId, ["BatchId"] = job.BatchId });

        // The job stops if its channel dies: the broker has then requeued it, and a copy may already run elsewhere.
        using var timeLimit = new CancellationTokenSource(options.Value.JobTimeout, time);
        using var jobCancellation = CancellationTokenSource.CreateLinkedTokenSource(timeLimit.Token, delivery.ChannelLost);
        // Confirmed while the job runs; awaited before the job's success or retry is reported, so those come after it.
        var startReported = progress.TryReportAsync(progress.Report(job, JobStatus.Started, attempt, delivery.Redelivered));
        using var running = new CancellationTokenSource();
        var heartbeat = progress.ReportStartedWhileRunningAsync(job, attempt, delivery.Redelivered, running.Token);
        var work = Task.CompletedTask;
        try
        {
            if (await controls.StateOfAsync(job.BatchId, jobCancellation.Token) is not BatchControlState.Running and var control)
            {
                await SettleControlledAsync(delivery, job, control, attempt, startReported);
                return;
            }

            // WaitAsync: a job past its limit is handed on on time, even while its work runs on to
            // the next point where it checks for cancellation (below, it is waited for).
            var processing = processor.ProcessAsync(job, new DeliveryInfo(attempt, delivery.Redelivered, ProgressReporter.WorkerName), jobCancellation.Token);
            work = processing;
            var result = await processing.WaitAsync(jobCancellation.Token);
            await startReported;
            await progress.PublishAsync(progress.Report(job, JobStatus.Succeeded, attempt, delivery.Redelivered) with { ResultBlob = result.ResultBlob, ResultBytes = result.Bytes }, CancellationToken.None);
            await delivery.AckAsync();
            LogSucceeded(logger, job.JobId, job.BatchId, attempt);
            metrics.Completed(time.GetElapsedTime(started));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var failure = new JobFailure(ex, TimedOut: timeLimit.IsCancellationRequested, ChannelLost: delivery.ChannelLost.IsCancellationRequested);
            var decision = FailurePolicy.Decide(failure, attempt, retries, FailureLimits.From(options.Value));
            await SettleFailureAsync(delivery, job, decision, ex, attempt, startReported, time.GetElapsedTime(started));
        }
        finally
        {
            await running.CancelAsync();
            await heartbeat;
            // At most one render per worker: the next job starts only once this one's work has
            // stopped, not merely been given up on.
            await WhenStoppedAsync(work);
        }
    }

    /// <summary>
    /// Settles a job whose batch does not run: reported held (paused) or cancelled, confirmed, then
    /// acked without rendering; the producer publishes a held job again from the batch's definition
    /// on resume. Its start was reported first, like any job's, so a control that is slow to read
    /// keeps the job alive and one that cannot be read fails it as a failed download would.
    /// </summary>
    private async Task SettleControlledAsync(InboundDelivery delivery, RenderJob job, BatchControlState control, int attempt, Task startReported)
    {
        var status = control == BatchControlState.Cancelled ? JobStatus.Cancelled : JobStatus.Held;
        await startReported;
        await progress.PublishAsync(progress.Report(job, status, attempt, delivery.Redelivered), CancellationToken.None);
        await delivery.AckAsync();
        LogControlled(logger, job.JobId, job.BatchId, status);
    }

    private async Task WhenStoppedAsync(Task work)
    {
        if (!work.IsCompleted)
        {
            LogWaitingForStop(logger);
        }

        try
        {
            await work;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Its failure was handled already (or, stopped past its limit, does not matter).
        }
    }

    private async Task SettleFailureAsync(InboundDelivery delivery, RenderJob job, FailureDecision decision, Exception ex, int attempt, Task startReported, TimeSpan elapsed)
    {
        switch (decision)
        {
            case Abandon:
                LogAbandoned(logger, job.JobId, job.BatchId);
                break;
            case DeadLetter dead:
                LogFailed(logger, ex, job.JobId, job.BatchId, dead.Code);
                await DeadLetterAsync(delivery, dead.Code, dead.Reason, attempt, elapsed);
                break;
            case RetryLater retry:
                await startReported;
                LogRetrying(logger, ex, job.JobId, job.BatchId, retry.Code, attempt, retry.DelayQueue);
                metrics.Retried(retry.Code, elapsed);
                // Before the hand-on, so it comes before the next attempt's start.
                await progress.TryReportAsync(progress.Report(job, JobStatus.Retrying, attempt, delivery.Redelivered) with { ErrorCode = retry.Code, Error = retry.Reason });
                // Acked once handed on, so it does not burn the delivery limit kept for crashing jobs.
                await delivery.HandOnAsync(publisher, string.Empty, retry.DelayQueue, new Dictionary<string, object?>
                {
                    [FailureHeaders.Retries] = retry.Retry,
                    [FailureHeaders.PreviousAttempts] = attempt,
                });
                break;
        }
    }

    /// <summary>Counts the failure and sends the job, with why it failed, to the dead-letter exchange; the producer records the failure from there.</summary>
    private Task DeadLetterAsync(InboundDelivery delivery, string code, string error, int attempt, TimeSpan elapsed)
    {
        metrics.Failed(code, elapsed);
        var headers = new Dictionary<string, object?>();
        FailureHeaders.Write(headers, new FailureDetails(code, error, attempt, ProgressReporter.WorkerName, time.GetUtcNow()));
        return delivery.HandOnAsync(publisher, JobTopology.DeadLetterExchange, string.Empty, headers);
    }

    public void Dispose() => _oneAtATime.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} of batch {BatchId} succeeded on attempt {Attempt}")]
    private static partial void LogSucceeded(ILogger logger, string jobId, string batchId, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} of batch {BatchId} settled without rendering: {Status} (the batch's control)")]
    private static partial void LogControlled(ILogger logger, string jobId, string batchId, JobStatus status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} of batch {BatchId} failed and is dead-lettered: {ErrorCode}")]
    private static partial void LogFailed(ILogger logger, Exception exception, string jobId, string batchId, string errorCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} of batch {BatchId} failed on attempt {Attempt} ({ErrorCode}); retrying through {RetryQueue}")]
    private static partial void LogRetrying(ILogger logger, Exception exception, string jobId, string batchId, string errorCode, int attempt, string retryQueue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Malformed job message {MessageId} dead-lettered: {ErrorCode}")]
    private static partial void LogMalformed(ILogger logger, Exception exception, string? messageId, string errorCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} of batch {BatchId} abandoned: its channel closed, the broker has requeued it")]
    private static partial void LogAbandoned(ILogger logger, string jobId, string batchId);

    [LoggerMessage(Level = LogLevel.Information, Message = "The job was handed on; waiting for its work to stop before the next job")]
    private static partial void LogWaitingForStop(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job message {MessageId}: publishing its outcome failed; it goes back to the queue")]
    private static partial void LogHandOnFailed(ILogger logger, Exception exception, string? messageId);
}
