using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Threading.Channels;
using ImageJobs.Contracts;
using ImageJobs.Messaging;
using ImageJobs.Producer.Telemetry;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace ImageJobs.Producer.Batches;

/// <summary>How reports are gathered into groups before they are stored, bound from <c>Outcomes</c>.</summary>
public sealed class OutcomeGroupOptions
{
    public const string SectionName = "Outcomes";

    /// <summary>
    /// How long a group gathers reports from its first: each group is one write per batch to the
    /// store, so a longer window costs fewer writes and a later view of progress.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:01:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The most reports in one group.</summary>
    [Range(1, 5000)]
    public int MaxGroup { get; set; } = 250;

    /// <summary>A group holding the end of one of a batch's last this many jobs is stored at once (<see cref="BatchTail"/>; 0: never).</summary>
    [Range(0, 10_000)]
    public int TailJobs { get; set; } = 16;
}

/// <summary>
/// Follows every batch: consumes what workers report (started, retrying, succeeded) and the
/// failures the dead-letter exchange sees (dead-lettered by a worker with its reason, or by the
/// broker over the delivery limit), stores them in groups in the store every replica shares, and
/// acks a group only once it is stored, so no outcome is lost when a producer dies. Any number of
/// replicas may consume side by side: the store counts each job's report once. Every message is
/// checked in full as it is read; one that cannot be counted is parked with its reason
/// (<see cref="MessageParker"/>) and acked with its group, so it never stops the others.
/// </summary>
public sealed partial class OutcomeConsumer(
    IConnection connection,
    BatchTracker tracker,
    MessageParker parker,
    ProducerMetrics metrics,
    IOptions<MessagingOptions> options,
    IOptions<OutcomeGroupOptions> groupOptions,
    ILogger<OutcomeConsumer> logger) : BackgroundService
{
    private static readonly TimeSpan StoreRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>One delivery as read: an outcome to count, or a message to park.</summary>
    private readonly record struct Delivery(ulong Tag, JobOutcome? Outcome, ParkedMessage? Parked);

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
        await using var channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
        await JobTopology.DeclareAsync(channel, options.Value, stoppingToken);
        var (window, maxGroup, tailJobs) = (groupOptions.Value.Window, groupOptions.Value.MaxGroup, groupOptions.Value.TailJobs);
        // Room for two groups: the next gathers while one is stored.
        await channel.BasicQosAsync(0, (ushort)(2 * maxGroup), global: false, stoppingToken);

        var deliveries = Channel.CreateUnbounded<Delivery>(new UnboundedChannelOptions { SingleReader = true });
        channel.ChannelShutdownAsync += (_, _) =>
        {
            deliveries.Writer.TryComplete();
            return Task.CompletedTask;
        };
        await ConsumeAsync(channel, JobTopology.OutcomesQueue, deliveries.Writer, ReadOutcome, stoppingToken);
        await ConsumeAsync(channel, JobTopology.DeadLetterEventsQueue, deliveries.Writer, ReadDeadLetter, stoppingToken);

        var group = new List<JobOutcome>(maxGroup);
        var parked = new List<ParkedMessage>();
        while (await deliveries.Reader.WaitToReadAsync(stoppingToken))
        {
            group.Clear();
            parked.Clear();
            ulong lastTag = 0;
            var endsTail = false;
            using var open = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            open.CancelAfter(window);
            while (!endsTail && group.Count + parked.Count < maxGroup && await WaitInWindowAsync(deliveries.Reader, open.Token, stoppingToken))
            {
                while (!endsTail && group.Count + parked.Count < maxGroup && deliveries.Reader.TryRead(out var delivery))
                {
                    lastTag = Math.Max(lastTag, delivery.Tag);
                    if (delivery.Outcome is { } outcome)
                    {
                        group.Add(outcome);
                        metrics.OutcomeRecorded(outcome.Status);
                        endsTail = BatchTail.Ends(outcome, tracker.KnownTotal(outcome.BatchId), tailJobs);
                    }
                    else if (delivery.Parked is { } message)
                    {
                        parked.Add(message);
                    }
                }
            }

            if (lastTag == 0)
            {
                continue;
            }

            foreach (var refused in await RecordAsync(channel, group, stoppingToken))
            {
                parked.Add(new ParkedMessage(JobTopology.OutcomesQueue, refused.Outcome.JobId,
                    JsonSerializer.SerializeToUtf8Bytes(refused.Outcome, JobJson.Default.JobOutcome), refused.Reason));
            }

            await parker.ParkAsync(parked, stoppingToken);
            await channel.BasicAckAsync(lastTag, multiple: true, stoppingToken);
        }
    }

    /// <summary>
    /// Stores the group, trying again while the store is away: giving the channel up instead would
    /// hand every unacked outcome back to the broker (a delivery each, toward its limit) to count again.
    /// </summary>
    private async Task<IReadOnlyList<RefusedOutcome>> RecordAsync(IChannel channel, List<JobOutcome> group, CancellationToken stoppingToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await tracker.RecordAsync(group, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested && channel.IsOpen)
            {
                LogStoreFailed(logger, ex, group.Count, attempt);
                await Task.Delay(StoreRetryDelay * Math.Min(attempt, 10), stoppingToken);
            }
        }
    }

    /// <summary>Whether more deliveries came before the group's window closed (false when it closed: store what we have).</summary>
    private static async Task<bool> WaitInWindowAsync(ChannelReader<Delivery> reader, CancellationToken window, CancellationToken stoppingToken)
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
        IChannel channel, string queue, ChannelWriter<Delivery> deliveries,
        Func<BasicDeliverEventArgs, OutcomeRead> read, CancellationToken cancellationToken)
    {
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            // The body is only valid during this call: read it here, and copy it only to park it.
            var result = ReadSafely(delivery, read);
            deliveries.TryWrite(result.Outcome is { } outcome
                ? new Delivery(delivery.DeliveryTag, outcome, null)
                : new Delivery(delivery.DeliveryTag, null, new ParkedMessage(queue, delivery.BasicProperties.MessageId, delivery.Body.ToArray(), result.Invalid!)));
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue, autoAck: false, consumer, cancellationToken);
    }

    /// <summary>No message may throw here: an exception would leave its delivery unacked, and the consumer stuck behind it.</summary>
    private static OutcomeRead ReadSafely(BasicDeliverEventArgs delivery, Func<BasicDeliverEventArgs, OutcomeRead> read)
    {
        try
        {
            return read(delivery);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            return new OutcomeRead(null, $"unreadable: {ex.Message}");
        }
    }

    private static OutcomeRead ReadOutcome(BasicDeliverEventArgs delivery) => OutcomeReader.Read(delivery.Body.Span);

    /// <summary>A dead letter is a failed job: the original job message, with why in its headers.</summary>
    private static OutcomeRead ReadDeadLetter(BasicDeliverEventArgs delivery)
    {
        if (delivery.Body.Length > OutcomeReader.MaxBytes * 16)
        {
            return new OutcomeRead(null, $"the dead letter is {delivery.Body.Length:N0} bytes, more than any job");
        }

        var ids = JobMessageReader.TryReadIds(delivery.Body.Span);
        if (ids is not { JobId: { } jobId, BatchId: { } batchId })
        {
            // Its copy in imagejobs.jobs.dead stays there for a person, too.
            return new OutcomeRead(null, "the dead letter names no job id or batch id");
        }

        var failure = FailureHeaders.Read(delivery.BasicProperties);
        return OutcomeReader.Check(new JobOutcome(JobOutcome.CurrentSchemaVersion, jobId, batchId, JobStatus.Failed, null, null,
            failure.ErrorCode, failure.Error, failure.Attempts, delivery.Redelivered, failure.Worker ?? "broker", failure.FailedAt));
    }

    // Unacked outcomes go back to the queue with the channel, and are stored on the next try.
    [LoggerMessage(Level = LogLevel.Warning, Message = "Consuming outcomes failed; trying again")]
    private static partial void LogConsumeFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storing {Count} outcomes failed (attempt {Attempt}); trying again, holding them unacked")]
    private static partial void LogStoreFailed(ILogger logger, Exception exception, int count, int attempt);
}
