using System.Text.Json;
using System.Threading.Channels;
using ImageJobs.Contracts;
using ImageJobs.Messaging;
using ImageJobs.Producer.Telemetry;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace ImageJobs.Producer.Batches;

/// <summary>
/// Follows every batch: consumes what workers report (started, retrying, succeeded) and the
/// failures the dead-letter exchange sees (dead-lettered by a worker with its reason, or by the
/// broker over the delivery limit), counts each at once, stores the ends in groups, and acks a
/// group only once it is stored, so no outcome is lost across a producer restart.
/// </summary>
public sealed partial class OutcomeConsumer(
    IConnection connection,
    BatchTracker tracker,
    ProducerMetrics metrics,
    IOptions<MessagingOptions> options,
    ILogger<OutcomeConsumer> logger) : BackgroundService
{
    private const ushort Prefetch = 500;
    private const int MaxGroup = 250;
    private static readonly TimeSpan GroupWindow = TimeSpan.FromMilliseconds(200);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ConsumeAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogConsumeFailed(logger, ex);
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
            }
        }
    }

    private async Task ConsumeAsync(CancellationToken stoppingToken)
    {
        // Whatever an earlier channel counted and did not store is back in the queues.
        await tracker.ForgetUnstoredAsync(stoppingToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
        await JobTopology.DeclareAsync(channel, options.Value, stoppingToken);
        await channel.BasicQosAsync(0, Prefetch, global: false, stoppingToken);

        var deliveries = Channel.CreateUnbounded<(ulong Tag, JobOutcome? Outcome)>(new UnboundedChannelOptions { SingleReader = true });
        channel.ChannelShutdownAsync += (_, _) =>
        {
            deliveries.Writer.TryComplete();
            return Task.CompletedTask;
        };
        await ConsumeAsync(channel, JobTopology.OutcomesQueue, deliveries.Writer, ReadOutcome, stoppingToken);
        await ConsumeAsync(channel, JobTopology.DeadLetterEventsQueue, deliveries.Writer, ReadDeadLetter, stoppingToken);

        var group = new List<JobOutcome>(MaxGroup);
        while (await deliveries.Reader.WaitToReadAsync(stoppingToken))
        {
            group.Clear();
            ulong lastTag = 0;
            using var window = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            window.CancelAfter(GroupWindow);
            while (group.Count < MaxGroup && await WaitInWindowAsync(deliveries.Reader, window.Token, stoppingToken))
            {
                var counted = group.Count;
                while (group.Count < MaxGroup && deliveries.Reader.TryRead(out var delivery))
                {
                    lastTag = Math.Max(lastTag, delivery.Tag);
                    if (delivery.Outcome is { } outcome)
                    {
                        group.Add(outcome);
                        metrics.OutcomeRecorded(outcome.Status);
                    }
                }

                // Counted as they come, so progress is live; stored, then acked, as a group.
                await tracker.CountAsync(group.Skip(counted), stoppingToken);
            }

            if (lastTag == 0)
            {
                continue;
            }

            await tracker.StoreAsync(group, stoppingToken);
            await channel.BasicAckAsync(lastTag, multiple: true, stoppingToken);
        }
    }

    /// <summary>Whether more deliveries came before the group's window closed (false when it closed: store what we have).</summary>
    private static async Task<bool> WaitInWindowAsync(ChannelReader<(ulong, JobOutcome?)> reader, CancellationToken window, CancellationToken stoppingToken)
    {
        try
        {
            return await reader.WaitToReadAsync(window);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static async Task ConsumeAsync(
        IChannel channel, string queue, ChannelWriter<(ulong, JobOutcome?)> deliveries,
        Func<BasicDeliverEventArgs, JobOutcome?> read, CancellationToken cancellationToken)
    {
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            // The body is only valid during this call: read it here.
            deliveries.TryWrite((delivery.DeliveryTag, read(delivery)));
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue, autoAck: false, consumer, cancellationToken);
    }

    private JobOutcome? ReadOutcome(BasicDeliverEventArgs delivery)
    {
        try
        {
            return JsonSerializer.Deserialize(delivery.Body.Span, JobJson.Default.JobOutcome);
        }
        catch (JsonException ex)
        {
            LogMalformedOutcome(logger, ex);
            return null;
        }
    }

    /// <summary>A dead letter is a failed job: the original job message, with why in its headers.</summary>
    private JobOutcome? ReadDeadLetter(BasicDeliverEventArgs delivery)
    {
        var ids = JobMessageReader.TryReadIds(delivery.Body.Span);
        if (ids is not { JobId: { } jobId, BatchId: { } batchId })
        {
            // Not attributable to any batch (not even JSON): it stays in the dead-letter queue for a person.
            LogUnattributable(logger, delivery.BasicProperties.MessageId);
            return null;
        }

        var failure = FailureHeaders.Read(delivery.BasicProperties);
        return new JobOutcome(JobOutcome.CurrentSchemaVersion, jobId, batchId, JobStatus.Failed, null, null,
            failure.ErrorCode, failure.Error, failure.Attempts, delivery.Redelivered, failure.Worker ?? "broker", failure.FailedAt);
    }

    // Unacked outcomes go back to the queue with the channel, and are stored on the next try.
    [LoggerMessage(Level = LogLevel.Warning, Message = "Consuming outcomes failed; trying again")]
    private static partial void LogConsumeFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dead letter {MessageId} names no job or batch; it stays in the dead-letter queue")]
    private static partial void LogUnattributable(ILogger logger, string? messageId);

    [LoggerMessage(Level = LogLevel.Error, Message = "An outcome message is not valid JSON and was dropped")]
    private static partial void LogMalformedOutcome(ILogger logger, Exception exception);
}
