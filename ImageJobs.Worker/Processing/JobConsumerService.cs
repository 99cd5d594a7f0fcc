using System.Diagnostics;
using System.Text.Json;
using ImageJobs.Contracts;
using ImageJobs.Messaging;
using ImageJobs.Worker.Telemetry;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace ImageJobs.Worker.Processing;

/// <summary>
/// Consumes jobs with manual acknowledgement. A job is acked only after its result is uploaded
/// and its outcome confirmed, or after it has been handed on (to a delay queue for a transient
/// failure, to the dead-letter exchange for a permanent one), so a worker that dies at any point
/// leaves the message to the broker, which hands it to another worker. On shutdown it stops
/// taking jobs and finishes the one in hand.
/// </summary>
public sealed partial class JobConsumerService(
    IConnection connection,
    JobProcessor processor,
    ConfirmedPublisher publisher,
    WorkerMetrics metrics,
    IOptions<MessagingOptions> options,
    TimeProvider time,
    ILogger<JobConsumerService> logger) : BackgroundService
{
    private static readonly string WorkerName = $"{Environment.MachineName}/{Environment.ProcessId}";
    private static readonly TimeSpan ProgressReportTimeout = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _inFlight = new(1, 1);
    private readonly TaskCompletionSource _unregistered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _stopping;
    private IChannel? _channel;
    private string? _consumerTag;
    private long _lastDeliveryTicks;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            try
            {
                await SubscribeAsync(lost, stoppingToken);
                await WatchAsync(lost.Task, stoppingToken);
                LogSubscriptionLost(logger);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is BrokerUnreachableException or OperationInterruptedException or AlreadyClosedException or IOException)
            {
                LogSubscribeFailed(logger, ex);
            }

            await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
        }
    }

    /// <summary>
    /// Returns when the subscription is lost, or when jobs wait while this consumer has been
    /// given nothing for a long time: a consumer can be lost silently (rabbitmq-dotnet-client #1993).
    /// </summary>
    private async Task WatchAsync(Task lost, CancellationToken stoppingToken)
    {
        var interval = options.Value.ConsumerWatchdog;
        while (!lost.IsCompleted)
        {
            await Task.WhenAny(lost, Task.Delay(interval / 2, stoppingToken));
            stoppingToken.ThrowIfCancellationRequested();
            var idle = time.GetUtcNow() - new DateTimeOffset(Interlocked.Read(ref _lastDeliveryTicks), TimeSpan.Zero);
            if (!lost.IsCompleted && idle > interval && _inFlight.CurrentCount == 1 && await JobsWaitingAsync(stoppingToken))
            {
                LogWatchdog(logger, idle);
                return;
            }
        }
    }

    private async Task<bool> JobsWaitingAsync(CancellationToken cancellationToken)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        return (await channel.QueueDeclarePassiveAsync(JobTopology.JobsQueue, cancellationToken)).MessageCount > 0;
    }

    private async Task SubscribeAsync(TaskCompletionSource lost, CancellationToken cancellationToken)
    {
        await _channel.CloseQuietlyAsync();

        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        _channel = channel;
        await JobTopology.DeclareAsync(channel, options.Value, cancellationToken);
        // Per consumer (global: false): quorum queues refuse a global prefetch.
        await channel.BasicQosAsync(0, options.Value.Prefetch, global: false, cancellationToken);

        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) => HandleAsync(channel, delivery);
        channel.ChannelShutdownAsync += (_, args) =>
        {
            // Automatic recovery may bring the channel back; if it does not, subscribe anew.
            if (args.Initiator != ShutdownInitiator.Application)
            {
                _ = SubscribeAgainUnlessRecoveredAsync(channel, lost);
            }

            return Task.CompletedTask;
        };
        consumer.UnregisteredAsync += (_, _) =>
        {
            if (_stopping)
            {
                // Dispatched in order after every delivery that came before it, each handled by now.
                _unregistered.TrySetResult();
            }
            else
            {
                // A cancel we did not ask for (queue deleted, leader moved): subscribe again.
                lost.TrySetResult();
            }

            return Task.CompletedTask;
        };

        Interlocked.Exchange(ref _lastDeliveryTicks, time.GetUtcNow().UtcTicks);
        _consumerTag = await channel.BasicConsumeAsync(JobTopology.JobsQueue, autoAck: false, consumer, cancellationToken);
        LogSubscribed(logger, JobTopology.JobsQueue, options.Value.Prefetch);
    }

    private static async Task SubscribeAgainUnlessRecoveredAsync(IChannel channel, TaskCompletionSource lost)
    {
        await Task.Delay(TimeSpan.FromSeconds(10));
        if (!channel.IsOpen)
        {
            lost.TrySetResult();
        }
    }

    private async Task HandleAsync(IChannel channel, BasicDeliverEventArgs delivery)
    {
        // Deliveries that arrive while stopping came before the broker confirmed the cancel:
        // they are in hand, so they are finished too; handing them back would mark them redelivered.
        Interlocked.Exchange(ref _lastDeliveryTicks, time.GetUtcNow().UtcTicks);
        await _inFlight.WaitAsync();
        metrics.JobStarted();
        try
        {
            await ProcessDeliveryAsync(channel, delivery);
        }
        catch (Exception ex) when (ConfirmedPublisher.IsRetryable(ex))
        {
            // The outcome or the hand-on could not be published (broker trouble): give the job
            // back rather than hold it unacknowledged; nack, not reject, as it is not the job's fault.
            LogHandOnFailed(logger, ex, delivery.BasicProperties.MessageId);
            await SettleAsync(() => channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true));
        }
        finally
        {
            metrics.JobEnded();
            Interlocked.Exchange(ref _lastDeliveryTicks, time.GetUtcNow().UtcTicks);
            _inFlight.Release();
        }
    }

    private async Task ProcessDeliveryAsync(IChannel channel, BasicDeliverEventArgs delivery)
    {
        var retries = AmqpHeaders.Number(delivery.BasicProperties.Headers, FailureHeaders.Retries);
        var attempt = FailureHeaders.Attempt(delivery.BasicProperties);
        using var activity = JobProcessor.ActivitySource.StartActivity(
            "process job", ActivityKind.Consumer, MessageTracing.Extract(delivery.BasicProperties));
        var started = time.GetTimestamp();

        RenderJob job;
        try
        {
            job = JobMessageReader.Read(delivery.Body.Span);
        }
        catch (JobFailedException ex)
        {
            LogMalformed(logger, ex, delivery.BasicProperties.MessageId, ex.Code);
            await DeadLetterAsync(channel, delivery, ex.Code, ex.Message, attempt, time.GetElapsedTime(started));
            return;
        }

        activity?.SetTag("imagejobs.job_id", job.JobId);
        activity?.SetTag("imagejobs.batch_id", job.BatchId);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["JobId"] = job.JobId, ["BatchId"] = job.BatchId });

        // The job stops if its channel dies: the broker has then requeued it, and a copy may already run elsewhere.
        using var jobCancellation = new CancellationTokenSource(options.Value.JobTimeout, time);
        AsyncEventHandler<ShutdownEventArgs> onShutdown = (_, _) => jobCancellation.CancelAsync();
        channel.ChannelShutdownAsync += onShutdown;
        // Confirmed while the job runs; awaited before the job's success or retry is reported, so those come after it.
        var startReported = ReportProgressAsync(Report(job, JobStatus.Started, attempt, delivery.Redelivered));
        using var running = new CancellationTokenSource();
        var heartbeat = ReportStartedWhileRunningAsync(job, attempt, delivery.Redelivered, running.Token);
        try
        {
            // WaitAsync: a job stuck where it cannot observe cancellation is still abandoned on time.
            var result = await processor.ProcessAsync(job, new DeliveryInfo(attempt, delivery.Redelivered, WorkerName), jobCancellation.Token)
                .WaitAsync(jobCancellation.Token);
            await startReported;
            await PublishReportAsync(Report(job, JobStatus.Succeeded, attempt, delivery.Redelivered) with { ResultBlob = result.ResultBlob, ResultBytes = result.Bytes }, CancellationToken.None);
            await SettleAsync(() => channel.BasicAckAsync(delivery.DeliveryTag, multiple: false));
            LogSucceeded(logger, job.JobId, job.BatchId, attempt);
            metrics.Completed(time.GetElapsedTime(started));
        }
        catch (JobFailedException ex)
        {
            LogFailed(logger, ex, job.JobId, job.BatchId, ex.Code);
            await DeadLetterAsync(channel, delivery, ex.Code, ex.Message, attempt, time.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (!channel.IsOpen)
        {
            LogAbandoned(logger, job.JobId, job.BatchId);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var timedOut = ex is OperationCanceledException or TimeoutException && jobCancellation.IsCancellationRequested;
            var code = timedOut ? ErrorCodes.Timeout : (ex as JobFailedException)?.Code ?? ex.GetType().Name;
            var message = timedOut ? $"The job did not finish within {options.Value.JobTimeout}." : ex.Message;
            await startReported;
            await RetryLaterAsync(channel, delivery, job, retries + 1, code, message, ex, attempt, time.GetElapsedTime(started));
        }
        finally
        {
            channel.ChannelShutdownAsync -= onShutdown;
            await running.CancelAsync();
            await heartbeat;
        }
    }

    /// <summary>
    /// Reports the start again every <see cref="MessagingOptions.ProgressHeartbeat"/> until the job
    /// ends. A repeat changes no count; it tells the producer the job is not lost. One arriving after
    /// the job's end is older by attempt or stage, and ignored.
    /// </summary>
    private async Task ReportStartedWhileRunningAsync(RenderJob job, int attempt, bool redelivered, CancellationToken running)
    {
        using var timer = new PeriodicTimer(options.Value.ProgressHeartbeat, time);
        try
        {
            while (await timer.WaitForNextTickAsync(running))
            {
                await ReportProgressAsync(Report(job, JobStatus.Started, attempt, redelivered), running);
            }
        }
        catch (OperationCanceledException)
        {
            // The job ended.
        }
    }

    /// <summary>
    /// A transient failure goes to a delay queue (acked here, so it does not burn the delivery
    /// limit kept for crashing jobs) until the retries run out; then it is dead-lettered.
    /// </summary>
    private async Task RetryLaterAsync(IChannel channel, BasicDeliverEventArgs delivery, RenderJob job, int retry, string code, string message, Exception ex, int attempt, TimeSpan elapsed)
    {
        if (retry > options.Value.TransientRetries)
        {
            LogFailed(logger, ex, job.JobId, job.BatchId, ErrorCodes.RetriesExhausted);
            await DeadLetterAsync(channel, delivery, ErrorCodes.RetriesExhausted,
                $"Gave up after {attempt} attempts; last error ({code}): {message}", attempt, elapsed);
            return;
        }

        var queue = JobTopology.RetryQueueFor(retry);
        LogRetrying(logger, ex, job.JobId, job.BatchId, code, attempt, queue);
        metrics.Retried(code, elapsed);
        // Before the hand-on, so it comes before the next attempt's start.
        await ReportProgressAsync(Report(job, JobStatus.Retrying, attempt, delivery.Redelivered) with { ErrorCode = code, Error = message });
        await HandOnAsync(channel, delivery, string.Empty, queue, new Dictionary<string, object?>
        {
            [FailureHeaders.Retries] = retry,
            [FailureHeaders.PreviousAttempts] = attempt,
        });
    }

    /// <summary>Counts the failure and sends the job, with why it failed, to the dead-letter exchange; the producer records the failure from there.</summary>
    private Task DeadLetterAsync(IChannel channel, BasicDeliverEventArgs delivery, string code, string error, int attempt, TimeSpan elapsed)
    {
        metrics.Failed(code, elapsed);
        var headers = new Dictionary<string, object?>();
        FailureHeaders.Write(headers, new FailureDetails(code, error, attempt, WorkerName, time.GetUtcNow()));
        return HandOnAsync(channel, delivery, JobTopology.DeadLetterExchange, string.Empty, headers);
    }

    /// <summary>Publishes a copy (confirmed), then acks the delivery: at least once, never zero times.</summary>
    private async Task HandOnAsync(IChannel channel, BasicDeliverEventArgs delivery, string exchange, string routingKey, Dictionary<string, object?> headers)
    {
        var messageId = delivery.BasicProperties.MessageId ?? Guid.NewGuid().ToString("N");
        await publisher.PublishAsync(exchange, routingKey, [new OutgoingMessage(messageId, delivery.Body.ToArray(), headers)], CancellationToken.None);
        await SettleAsync(() => channel.BasicAckAsync(delivery.DeliveryTag, multiple: false));
    }

    private JobOutcome Report(RenderJob job, JobStatus status, int attempt, bool redelivered) =>
        new(JobOutcome.CurrentSchemaVersion, job.JobId, job.BatchId, status, null, null, null, null, attempt, redelivered, WorkerName, time.GetUtcNow());

    private Task PublishReportAsync(JobOutcome report, CancellationToken cancellationToken) =>
        publisher.PublishAsync(
            JobTopology.OutcomesQueue,
            new OutgoingMessage(report.JobId, JsonSerializer.SerializeToUtf8Bytes(report, JobJson.Default.JobOutcome)),
            cancellationToken);

    /// <summary>
    /// Progress is best effort: one try, bounded, so a broker in trouble never holds up the job's end
    /// for it, and failing to report it never fails the job (a running job's next heartbeat makes up
    /// for a lost one).
    /// </summary>
    private async Task ReportProgressAsync(JobOutcome report, CancellationToken cancellationToken = default)
    {
        try
        {
            using var timeout = new CancellationTokenSource(ProgressReportTimeout, time);
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
            await PublishReportAsync(report, bounded.Token);
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

    /// <summary>An ack or reject on a dead channel is moot: the broker has already requeued the delivery.</summary>
    private async Task SettleAsync(Func<ValueTask> settle)
    {
        try
        {
            await settle();
        }
        catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or IOException)
        {
            LogSettleFailed(logger, ex);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        var cancelled = false;
        if (_channel is { IsOpen: true } channel && _consumerTag is { } tag)
        {
            try
            {
                await channel.BasicCancelAsync(tag, noWait: false, cancellationToken);
                cancelled = true;
            }
            catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or IOException or OperationCanceledException)
            {
                LogSettleFailed(logger, ex);
            }
        }

        // Finish the jobs in hand (bounded by the host's shutdown timeout): once the cancel has
        // been dispatched, every delivery before it has been handled, and no other will come.
        try
        {
            if (cancelled)
            {
                await _unregistered.Task.WaitAsync(cancellationToken);
            }

            await _inFlight.WaitAsync(cancellationToken);
            LogStopped(logger);
        }
        catch (OperationCanceledException)
        {
            LogStopTimedOut(logger);
        }

        await base.StopAsync(cancellationToken);
        await _channel.CloseQuietlyAsync();
    }

    public override void Dispose()
    {
        _inFlight.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Consuming {Queue} with prefetch {Prefetch}")]
    private static partial void LogSubscribed(ILogger logger, string queue, int prefetch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Subscription lost; subscribing again")]
    private static partial void LogSubscriptionLost(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Jobs are waiting but none came for {Idle}; the consumer is taken as lost")]
    private static partial void LogWatchdog(ILogger logger, TimeSpan idle);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Subscribing failed; trying again")]
    private static partial void LogSubscribeFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} of batch {BatchId} succeeded on attempt {Attempt}")]
    private static partial void LogSucceeded(ILogger logger, string jobId, string batchId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} of batch {BatchId} failed and is dead-lettered: {ErrorCode}")]
    private static partial void LogFailed(ILogger logger, Exception exception, string jobId, string batchId, string errorCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} of batch {BatchId} failed on attempt {Attempt} ({ErrorCode}); retrying through {RetryQueue}")]
    private static partial void LogRetrying(ILogger logger, Exception exception, string jobId, string batchId, string errorCode, int attempt, string retryQueue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Malformed job message {MessageId} dead-lettered: {ErrorCode}")]
    private static partial void LogMalformed(ILogger logger, Exception exception, string? messageId, string errorCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} of batch {BatchId} abandoned: its channel closed, the broker has requeued it")]
    private static partial void LogAbandoned(ILogger logger, string jobId, string batchId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job message {MessageId}: publishing its outcome failed; it goes back to the queue")]
    private static partial void LogHandOnFailed(ILogger logger, Exception exception, string? messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} of batch {BatchId}: reporting {Status} failed; the batch's progress shows it late or not at all")]
    private static partial void LogProgressNotReported(ILogger logger, Exception exception, string jobId, string batchId, JobStatus status);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Settling a delivery on a closed channel was skipped")]
    private static partial void LogSettleFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped taking jobs; the job in hand is finished")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shutdown timeout reached with a job in hand; the broker will requeue it")]
    private static partial void LogStopTimedOut(ILogger logger);
}
