using System.Text.Json;
using System.Threading.Channels;
using ImageJobs.Worker.Contracts;
using ImageJobs.Worker.Messaging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace ImageJobs.Producer.Batches;

/// <summary>
/// Follows every batch: consumes the outcomes workers report, stores and counts them in groups,
/// and acks a group only once it is stored, so no outcome is lost across a producer restart.
/// </summary>
public sealed partial class OutcomeConsumer(
    IConnection connection,
    BatchTracker tracker,
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
        await using var channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
        await JobTopology.DeclareAsync(channel, options.Value, stoppingToken);
        await channel.BasicQosAsync(0, Prefetch, global: false, stoppingToken);

        var deliveries = Channel.CreateUnbounded<(ulong Tag, ReadOnlyMemory<byte> Body)>(new UnboundedChannelOptions { SingleReader = true });
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            // The body is only valid during this call: copy it.
            deliveries.Writer.TryWrite((delivery.DeliveryTag, delivery.Body.ToArray()));
            return Task.CompletedTask;
        };
        channel.ChannelShutdownAsync += (_, _) =>
        {
            deliveries.Writer.TryComplete();
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(JobTopology.OutcomesQueue, autoAck: false, consumer, stoppingToken);

        var group = new List<JobOutcome>(MaxGroup);
        while (await deliveries.Reader.WaitToReadAsync(stoppingToken))
        {
            group.Clear();
            ulong lastTag = 0;
            using var window = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            window.CancelAfter(GroupWindow);
            try
            {
                while (group.Count < MaxGroup && await deliveries.Reader.WaitToReadAsync(window.Token))
                {
                    while (group.Count < MaxGroup && deliveries.Reader.TryRead(out var delivery))
                    {
                        lastTag = delivery.Tag;
                        if (Read(delivery.Body) is { } outcome)
                        {
                            group.Add(outcome);
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // The window closed: store what we have.
            }

            if (lastTag == 0)
            {
                continue;
            }

            await tracker.RecordAsync(group, stoppingToken);
            await channel.BasicAckAsync(lastTag, multiple: true, stoppingToken);
        }
    }

    private JobOutcome? Read(ReadOnlyMemory<byte> body)
    {
        try
        {
            return JsonSerializer.Deserialize(body.Span, JobJson.Default.JobOutcome);
        }
        catch (JsonException ex)
        {
            LogMalformedOutcome(logger, ex);
            return null;
        }
    }

    // Unacked outcomes go back to the queue with the channel, and are stored on the next try.
    [LoggerMessage(Level = LogLevel.Warning, Message = "Consuming outcomes failed; trying again")]
    private static partial void LogConsumeFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "An outcome message is not valid JSON and was dropped")]
    private static partial void LogMalformedOutcome(ILogger logger, Exception exception);
}
