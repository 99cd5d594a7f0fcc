using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace ImageJobs.Messaging;

/// <summary>
/// Consumes one queue with manual acknowledgement on a channel of its own, handing deliveries to a
/// handler one at a time, in order, and keeps consuming: it subscribes again after a cancel it did
/// not ask for (queue deleted, leader moved), after a channel that automatic recovery did not bring
/// back, and when messages wait while it has been given nothing for
/// <see cref="MessagingOptions.ConsumerWatchdog"/> (a consumer can be lost silently:
/// rabbitmq-dotnet-client #1993). <see cref="StopAsync"/> stops taking messages and returns once
/// every delivery the broker sent has been handled.
/// </summary>
/// <remarks>Not reusable: one subscription per consumer, stopped once.</remarks>
public sealed partial class QueueSubscription(
    IConnection connection,
    IOptions<MessagingOptions> options,
    TopologyAccess topology,
    TimeProvider time,
    ILogger<QueueSubscription> logger) : IDisposable
{
    private static readonly TimeSpan SubscribeAgainAfter = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan RecoveryWait = TimeSpan.FromSeconds(10);

    // How long a stop waits for a message handed out on the last ack to arrive (milliseconds on loopback).
    private static readonly TimeSpan ArrivalWindow = TimeSpan.FromSeconds(1);

    private readonly SettleGate _gate = new();

    private readonly TaskCompletionSource _unregistered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _stopping;
    private IChannel? _channel;
    private string? _consumerTag;
    private long _lastDeliveryTicks;
    private int _handling;
    private ushort _prefetch;

    /// <summary>Consumes <paramref name="queue"/> until <paramref name="stoppingToken"/> is cancelled; then closes the channel.</summary>
    public async Task RunAsync(string queue, ushort prefetch, Func<InboundDelivery, Task> handle, CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                try
                {
                    await SubscribeAsync(queue, prefetch, handle, lost, stoppingToken);
                    await WatchAsync(queue, lost.Task, stoppingToken);
                    LogSubscriptionLost(logger, queue);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // Whatever a broker restart throws (a recovery in progress, an RPC timeout), the
                    // loop subscribes again: a worker that stops consuming strands every job.
                    LogSubscribeFailed(logger, ex, queue);
                }

                await Task.Delay(SubscribeAgainAfter, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopped.
        }
        finally
        {
            await _channel.CloseQuietlyAsync();
        }
    }

    /// <summary>
    /// Cancels the consumer, with no ack in flight (see <see cref="SettleGate"/>), and waits (bounded
    /// by <paramref name="cancellationToken"/>) until every delivery sent before the cancel-ok has
    /// been handled, so nothing is left to come back marked redelivered.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        if (_channel is not { IsOpen: true } channel || _consumerTag is not { } tag)
        {
            return;
        }

        try
        {
            await _gate.CancelAsync(() => channel.BasicCancelAsync(tag, noWait: false, cancellationToken), _prefetch, ArrivalWindow, time, cancellationToken);
            // Dispatched in order after every delivery that came before the cancel-ok, each handled by then.
            await _unregistered.Task.WaitAsync(cancellationToken);
            LogStopped(logger);
        }
        catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or IOException)
        {
            // The channel died: the broker has requeued what it held.
            LogStopOnClosedChannel(logger, ex);
        }
        catch (OperationCanceledException)
        {
            LogStopTimedOut(logger);
        }
    }

    /// <summary>Returns when the subscription is lost, or when messages wait while this consumer has been given nothing for a long time.</summary>
    private async Task WatchAsync(string queue, Task lost, CancellationToken stoppingToken)
    {
        var interval = options.Value.ConsumerWatchdog;
        while (!lost.IsCompleted)
        {
            await Task.WhenAny(lost, Task.Delay(interval / 2, time, stoppingToken));
            stoppingToken.ThrowIfCancellationRequested();
            var idle = time.GetUtcNow() - new DateTimeOffset(Interlocked.Read(ref _lastDeliveryTicks), TimeSpan.Zero);
            if (!lost.IsCompleted && !_stopping && idle > interval && Volatile.Read(ref _handling) == 0 && await MessagesWaitingAsync(queue, stoppingToken))
            {
                LogWatchdog(logger, queue, idle);
                return;
            }
        }
    }

    private async Task<bool> MessagesWaitingAsync(string queue, CancellationToken cancellationToken)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        return (await channel.QueueDeclarePassiveAsync(queue, cancellationToken)).MessageCount > 0;
    }

    private async Task SubscribeAsync(string queue, ushort prefetch, Func<InboundDelivery, Task> handle, TaskCompletionSource lost, CancellationToken cancellationToken)
    {
        await _channel.CloseQuietlyAsync();

        // One dispatcher task: deliveries are handled one after another, in order, and a cancel-ok
        // is dispatched only after the deliveries read before it.
        var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: false, publisherConfirmationTrackingEnabled: false, consumerDispatchConcurrency: 1),
            cancellationToken);
        _channel = channel;
        _prefetch = prefetch;
        await topology.PrepareAsync(channel, options.Value, cancellationToken);
        // Per consumer (global: false): quorum queues refuse a global prefetch.
        await channel.BasicQosAsync(0, prefetch, global: false, cancellationToken);

        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) => HandleAsync(channel, delivery, handle);
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
        _consumerTag = await channel.BasicConsumeAsync(queue, autoAck: false, consumer, cancellationToken);
        LogSubscribed(logger, queue, prefetch);
    }

    private async Task SubscribeAgainUnlessRecoveredAsync(IChannel channel, TaskCompletionSource lost)
    {
        await Task.Delay(RecoveryWait, time);
        if (!channel.IsOpen)
        {
            lost.TrySetResult();
        }
    }

    private async Task HandleAsync(IChannel channel, BasicDeliverEventArgs args, Func<InboundDelivery, Task> handle)
    {
        Interlocked.Exchange(ref _lastDeliveryTicks, time.GetUtcNow().UtcTicks);
        Interlocked.Increment(ref _handling);
        _gate.Arrived();
        try
        {
            using var delivery = new InboundDelivery(channel, args, _gate, logger);
            await handle(delivery);
        }
        finally
        {
            Interlocked.Decrement(ref _handling);
            Interlocked.Exchange(ref _lastDeliveryTicks, time.GetUtcNow().UtcTicks);
        }
    }

    public void Dispose() => _gate.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Consuming {Queue} with prefetch {Prefetch}")]
    private static partial void LogSubscribed(ILogger logger, string queue, int prefetch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Subscription to {Queue} lost; subscribing again")]
    private static partial void LogSubscriptionLost(ILogger logger, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Messages wait in {Queue} but none came for {Idle}; the consumer is taken as lost")]
    private static partial void LogWatchdog(ILogger logger, string queue, TimeSpan idle);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Subscribing to {Queue} failed; trying again")]
    private static partial void LogSubscribeFailed(ILogger logger, Exception exception, string queue);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped taking messages; those in hand are finished")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping found the channel closed; the broker has requeued what it held")]
    private static partial void LogStopOnClosedChannel(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shutdown timeout reached with a message in hand; the broker will requeue it")]
    private static partial void LogStopTimedOut(ILogger logger);
}
