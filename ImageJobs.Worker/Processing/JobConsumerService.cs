using System.Diagnostics;
using System.Text.Json;
using ImageJobs.Worker.Contracts;
using ImageJobs.Worker.Messaging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace ImageJobs.Worker.Processing;

/// <summary>
/// Consumes jobs with manual acknowledgement: a job is acked only after its result is uploaded
/// and its outcome reported, so a worker that dies mid-job leaves the message to the broker,
/// which hands it to another worker. On shutdown it stops taking jobs and finishes the one in hand.
/// </summary>
public sealed partial class JobConsumerService(
    IConnection connection,
    JobProcessor processor,
    ConfirmedPublisher publisher,
    IOptions<MessagingOptions> options,
    ILogger<JobConsumerService> logger) : BackgroundService
{
    private static readonly string WorkerName = $"{Environment.MachineName}/{Environment.ProcessId}";

    private readonly SemaphoreSlim _inFlight = new(1, 1);
    private volatile bool _stopping;
    private IChannel? _channel;
    private string? _consumerTag;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            try
            {
                await SubscribeAsync(lost, stoppingToken);
                await lost.Task.WaitAsync(stoppingToken);
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

    private async Task SubscribeAsync(TaskCompletionSource lost, CancellationToken cancellationToken)
    {
        if (_channel is { } old)
        {
            await old.DisposeAsync();
        }

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
            // A cancel we did not ask for (queue deleted, leader moved): subscribe again.
            if (!_stopping)
            {
                lost.TrySetResult();
            }

            return Task.CompletedTask;
        };

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
        if (_stopping)
        {
            // Not this job's fault: hand it back without counting a failed attempt.
            await TrySettleAsync(() => channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true));
            return;
        }

        await _inFlight.WaitAsync();
        try
        {
            await ProcessDeliveryAsync(channel, delivery);
        }
        finally
        {
            _inFlight.Release();
        }
    }

    private async Task ProcessDeliveryAsync(IChannel channel, BasicDeliverEventArgs delivery)
    {
        var attempt = MessageTracing.DeliveryCount(delivery.BasicProperties) + 1;
        using var activity = JobProcessor.ActivitySource.StartActivity(
            "process job", ActivityKind.Consumer, MessageTracing.Extract(delivery.BasicProperties));

        RenderJob job;
        try
        {
            job = JobMessageReader.Read(delivery.Body.Span);
        }
        catch (JobFailedException ex)
        {
            var ids = JobMessageReader.TryReadIds(delivery.Body.Span);
            LogMalformed(logger, ex, delivery.BasicProperties.MessageId, ex.Code);
            if (ids is { JobId: { } jobId, BatchId: { } batchId })
            {
                await ReportAsync(Failed(jobId, batchId, ex.Code, ex.Message, attempt, delivery.Redelivered));
            }

            await TrySettleAsync(() => channel.BasicRejectAsync(delivery.DeliveryTag, requeue: false));
            return;
        }

        activity?.SetTag("imagejobs.job_id", job.JobId);
        activity?.SetTag("imagejobs.batch_id", job.BatchId);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["JobId"] = job.JobId, ["BatchId"] = job.BatchId });

        // The job stops if its channel dies: the broker has then requeued it, and a copy may already run elsewhere.
        using var jobCancellation = new CancellationTokenSource(options.Value.JobTimeout);
        AsyncEventHandler<ShutdownEventArgs> onShutdown = (_, _) => jobCancellation.CancelAsync();
        channel.ChannelShutdownAsync += onShutdown;
        try
        {
            var result = await processor.ProcessAsync(job, new DeliveryInfo(attempt, delivery.Redelivered, WorkerName), jobCancellation.Token);
            await ReportAsync(new JobOutcome(JobOutcome.CurrentSchemaVersion, job.JobId, job.BatchId, JobStatus.Succeeded,
                result.ResultBlob, result.Bytes, null, null, attempt, delivery.Redelivered, WorkerName, DateTimeOffset.UtcNow));
            await TrySettleAsync(() => channel.BasicAckAsync(delivery.DeliveryTag, multiple: false));
            LogSucceeded(logger, job.JobId, job.BatchId, attempt);
        }
        catch (JobFailedException ex) when (!ex.Transient)
        {
            LogFailed(logger, ex, job.JobId, job.BatchId, ex.Code);
            await ReportAsync(Failed(job.JobId, job.BatchId, ex.Code, ex.Message, attempt, delivery.Redelivered));
            await TrySettleAsync(() => channel.BasicRejectAsync(delivery.DeliveryTag, requeue: false));
        }
        catch (OperationCanceledException) when (!channel.IsOpen)
        {
            LogAbandoned(logger, job.JobId, job.BatchId);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var timedOut = ex is OperationCanceledException && jobCancellation.IsCancellationRequested;
            var code = timedOut ? JobErrorCodes.Timeout : (ex as JobFailedException)?.Code ?? ex.GetType().Name;
            if (attempt >= options.Value.DeliveryLimit)
            {
                // The broker would dead-letter it silently on the next return: record why first.
                LogFailed(logger, ex, job.JobId, job.BatchId, JobErrorCodes.RetriesExhausted);
                await ReportAsync(Failed(job.JobId, job.BatchId, JobErrorCodes.RetriesExhausted,
                    $"Gave up after {attempt} attempts; last error ({code}): {ex.Message}", attempt, delivery.Redelivered));
                await TrySettleAsync(() => channel.BasicRejectAsync(delivery.DeliveryTag, requeue: false));
            }
            else
            {
                LogRetrying(logger, ex, job.JobId, job.BatchId, code, attempt);
                await TrySettleAsync(() => channel.BasicRejectAsync(delivery.DeliveryTag, requeue: true));
            }
        }
        finally
        {
            channel.ChannelShutdownAsync -= onShutdown;
        }
    }

    private static JobOutcome Failed(string jobId, string batchId, string code, string message, int attempt, bool redelivered) =>
        new(JobOutcome.CurrentSchemaVersion, jobId, batchId, JobStatus.Failed, null, null, code, message, attempt, redelivered, WorkerName, DateTimeOffset.UtcNow);

    private Task ReportAsync(JobOutcome outcome) =>
        publisher.PublishAsync(
            JobTopology.OutcomesQueue,
            new OutgoingMessage($"{outcome.JobId}:{outcome.Status}", JsonSerializer.SerializeToUtf8Bytes(outcome, JobJson.Default.JobOutcome)),
            CancellationToken.None);

    /// <summary>An ack or reject on a dead channel is moot: the broker has already requeued the delivery.</summary>
    private async Task TrySettleAsync(Func<ValueTask> settle)
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
        if (_channel is { IsOpen: true } channel && _consumerTag is { } tag)
        {
            try
            {
                await channel.BasicCancelAsync(tag, noWait: false, cancellationToken);
            }
            catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or IOException or OperationCanceledException)
            {
                LogSettleFailed(logger, ex);
            }
        }

        // Finish the job in hand (bounded by the host's shutdown timeout).
        try
        {
            await _inFlight.WaitAsync(cancellationToken);
            LogStopped(logger);
        }
        catch (OperationCanceledException)
        {
            LogStopTimedOut(logger);
        }

        await base.StopAsync(cancellationToken);
        if (_channel is { } open)
        {
            await open.DisposeAsync();
        }
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Subscribing failed; trying again")]
    private static partial void LogSubscribeFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} of batch {BatchId} succeeded on attempt {Attempt}")]
    private static partial void LogSucceeded(ILogger logger, string jobId, string batchId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} of batch {BatchId} failed: {ErrorCode}")]
    private static partial void LogFailed(ILogger logger, Exception exception, string jobId, string batchId, string errorCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} of batch {BatchId} failed on attempt {Attempt} ({ErrorCode}); it will be retried")]
    private static partial void LogRetrying(ILogger logger, Exception exception, string jobId, string batchId, string errorCode, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Malformed job message {MessageId} dead-lettered: {ErrorCode}")]
    private static partial void LogMalformed(ILogger logger, Exception exception, string? messageId, string errorCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} of batch {BatchId} abandoned: its channel closed, the broker has requeued it")]
    private static partial void LogAbandoned(ILogger logger, string jobId, string batchId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Settling a delivery on a closed channel was skipped")]
    private static partial void LogSettleFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped taking jobs; the job in hand is finished")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shutdown timeout reached with a job in hand; the broker will requeue it")]
    private static partial void LogStopTimedOut(ILogger logger);
}
