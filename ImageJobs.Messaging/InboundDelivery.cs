using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace ImageJobs.Messaging;

/// <summary>
/// A delivery in hand and the channel it came on: its tag means nothing on another, so it is
/// settled here. <see cref="ChannelLost"/> is cancelled when that channel dies: the broker then has
/// the message back, and a copy may already be handed to another consumer.
/// </summary>
public sealed partial class InboundDelivery : IDisposable
{
    private readonly IChannel _channel;
    private readonly BasicDeliverEventArgs _delivery;
    private readonly ILogger _logger;
    private readonly SettleGate _gate;
    private readonly CancellationTokenSource _channelLost = new();
    private bool _settled;

    internal InboundDelivery(IChannel channel, BasicDeliverEventArgs delivery, SettleGate gate, ILogger logger)
    {
        _channel = channel;
        _delivery = delivery;
        _gate = gate;
        _logger = logger;
        _channel.ChannelShutdownAsync += OnChannelShutdownAsync;
        if (!_channel.IsOpen)
        {
            _channelLost.Cancel();
        }
    }

    /// <summary>Valid only while the delivery is being handled (the client reuses the buffer).</summary>
    public ReadOnlyMemory<byte> Body => _delivery.Body;

    public IReadOnlyBasicProperties Properties => _delivery.BasicProperties;

    public string? MessageId => _delivery.BasicProperties.MessageId;

    public bool Redelivered => _delivery.Redelivered;

    public CancellationToken ChannelLost => _channelLost.Token;

    public Task AckAsync() => SettleAsync(() => _channel.BasicAckAsync(_delivery.DeliveryTag, multiple: false));

    /// <summary>Gives the message back to its queue; nack, not reject: it is not the message's fault (the delivery limit counts rejects).</summary>
    public Task RequeueAsync() => SettleAsync(() => _channel.BasicNackAsync(_delivery.DeliveryTag, multiple: false, requeue: true));

    /// <summary>Publishes a copy with extra headers (confirmed), then acks this one: at least once, never zero times.</summary>
    public async Task HandOnAsync(ConfirmedPublisher publisher, string exchange, string routingKey, IReadOnlyDictionary<string, object?> headers)
    {
        var messageId = MessageId ?? Guid.NewGuid().ToString("N");
        await publisher.PublishAsync(exchange, routingKey, [new OutgoingMessage(messageId, Body.ToArray(), headers)], CancellationToken.None);
        await AckAsync();
    }

    /// <summary>An ack or nack on a dead channel is moot: the broker has already requeued the delivery.</summary>
    private Task SettleAsync(Func<ValueTask> settle)
    {
        if (_settled)
        {
            // A second ack or nack of one tag would close the channel.
            return Task.CompletedTask;
        }

        _settled = true;
        return _gate.SettleAsync(async () =>
        {
            try
            {
                await settle();
            }
            catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or IOException)
            {
                LogSettleSkipped(_logger, ex);
            }
        });
    }

    private async Task OnChannelShutdownAsync(object sender, ShutdownEventArgs args)
    {
        try
        {
            await _channelLost.CancelAsync();
        }
        catch (ObjectDisposedException)
        {
            // The delivery was handled as the channel went.
        }
    }

    public void Dispose()
    {
        if (!_settled)
        {
            _settled = true;
            _gate.Dropped();
        }

        _channel.ChannelShutdownAsync -= OnChannelShutdownAsync;
        _channelLost.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Settling a delivery on a closed channel was skipped")]
    private static partial void LogSettleSkipped(ILogger logger, Exception exception);
}
