using System.Diagnostics;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace ImageJobs.Messaging;

/// <summary>A message ready to publish: its id (the job id), its JSON body, and headers of its own.</summary>
public readonly record struct OutgoingMessage(string MessageId, ReadOnlyMemory<byte> Body, IReadOnlyDictionary<string, object?>? Headers = null);

/// <summary>
/// Publishes persistent, mandatory messages and returns only when the broker has confirmed
/// every one. A nacked, returned or interrupted group is published again on a fresh channel
/// (consumers are idempotent, so a duplicate is harmless; a loss is not). Two groups are in the
/// air at a time: the next is sent while the broker confirms the one before.
/// </summary>
public sealed partial class ConfirmedPublisher(
    IConnection connection,
    IOptions<MessagingOptions> options,
    TopologyAccess topology,
    ILogger<ConfirmedPublisher> logger) : IAsyncDisposable
{
    // With the delays below, about 20 s: long enough to ride out a broker restart.
    private const int MaxAttemptsPerGroup = 8;

    public static readonly ActivitySource ActivitySource = new("ImageJobs.Messaging");

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly SemaphoreSlim _channelGate = new(1, 1);
    private IChannel? _channel;

    public Task PublishAsync(string queue, OutgoingMessage message, CancellationToken cancellationToken) =>
        PublishAsync(string.Empty, queue, [message], cancellationToken);

    public Task PublishAsync(string queue, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken) =>
        PublishAsync(string.Empty, queue, messages, static message => message, cancellationToken);

    /// <summary>Publishes to an exchange (the default exchange, "", routes by queue name).</summary>
    public Task PublishAsync(string exchange, string routingKey, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken) =>
        PublishAsync(exchange, routingKey, messages, static message => message, cancellationToken);

    /// <summary>
    /// Publishes a message for each item, made only as its group goes out: serializing a group
    /// overlaps the broker's confirms of the one before, and a 40,000-job batch is never all in
    /// memory as bytes.
    /// </summary>
    public Task PublishAsync<T>(string queue, IReadOnlyList<T> items, Func<T, OutgoingMessage> toMessage, CancellationToken cancellationToken) =>
        PublishAsync(string.Empty, queue, items, toMessage, cancellationToken);

    private async Task PublishAsync<T>(string exchange, string routingKey, IReadOnlyList<T> items, Func<T, OutgoingMessage> toMessage, CancellationToken cancellationToken)
    {
        var groupSize = options.Value.PublishGroupSize;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var previous = Task.CompletedTask;
            for (var start = 0; start < items.Count; start += groupSize)
            {
                Task current;
                try
                {
                    var group = new OutgoingMessage[Math.Min(groupSize, items.Count - start)];
                    for (var i = 0; i < group.Length; i++)
                    {
                        group[i] = toMessage(items[start + i]);
                    }

                    current = PublishGroupAsync(exchange, routingKey, group, cancellationToken);
                }
                catch
                {
                    await SettleAsync(previous);
                    throw;
                }

                try
                {
                    await previous;
                }
                catch
                {
                    await SettleAsync(current);
                    throw;
                }

                previous = current;
            }

            await previous;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Lets a group in the air finish, whatever its end, before the gate opens to the next caller.</summary>
    private static async Task SettleAsync(Task group)
    {
        await Task.WhenAny(group);
        _ = group.Exception;
    }

    private async Task PublishGroupAsync(string exchange, string routingKey, OutgoingMessage[] group, CancellationToken cancellationToken)
    {
        // One span per group: the messages carry its context, so each consumer's span joins the
        // publisher's trace (under the caller's span, such as "submit batch").
        using var activity = ActivitySource.StartActivity($"publish {(routingKey.Length > 0 ? routingKey : exchange)}", ActivityKind.Producer);
        activity?.SetTag("messaging.system", "rabbitmq");
        activity?.SetTag("messaging.destination.name", routingKey.Length > 0 ? routingKey : exchange);
        activity?.SetTag("messaging.batch.message_count", group.Length);
        // Built once per group and shared by its messages that have no headers of their own:
        // a dictionary and a trace-context injection per message are measurable in a 40,000-job
        // publish. The client adds its sequence-number header to it in place, but only under its
        // per-channel confirm lock, one publish at a time.
        var groupHeaders = new Dictionary<string, object?>();
        MessageTracing.Inject(activity ?? Activity.Current, groupHeaders);
        var timestamp = new AmqpTimestamp(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        IChannel? channel = null;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                channel = await GetChannelAsync(cancellationToken);
                var confirms = new Task[group.Length];
                for (var i = 0; i < group.Length; i++)
                {
                    var message = group[i];
                    confirms[i] = channel.BasicPublishAsync(exchange, routingKey, mandatory: true, CreateProperties(message, groupHeaders, timestamp), message.Body, cancellationToken).AsTask();
                }

                await Task.WhenAll(confirms).WaitAsync(options.Value.ConfirmTimeout, cancellationToken);
                return;
            }
            catch (Exception ex) when (attempt < MaxAttemptsPerGroup && IsRetryable(ex) && !cancellationToken.IsCancellationRequested)
            {
                LogGroupRetry(logger, ex, routingKey, group.Length, attempt);
                await ResetChannelAsync(channel);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(200 * attempt * attempt, 5_000)), cancellationToken);
            }
        }
    }

    /// <summary>Broker or connection trouble: worth another try, and never the message's fault.</summary>
    public static bool IsRetryable(Exception ex) =>
        ex is PublishException or AlreadyClosedException or OperationInterruptedException or IOException or TimeoutException
        || (ex is AggregateException aggregate && aggregate.InnerExceptions.All(IsRetryable));

    private static BasicProperties CreateProperties(OutgoingMessage message, Dictionary<string, object?> groupHeaders, AmqpTimestamp timestamp)
    {
        var headers = groupHeaders;
        if (message.Headers is { Count: > 0 } own)
        {
            headers = new Dictionary<string, object?>(groupHeaders);
            foreach (var (key, value) in own)
            {
                headers[key] = value;
            }
        }

        return new BasicProperties
        {
            Persistent = true,
            MessageId = message.MessageId,
            ContentType = "application/json",
            Timestamp = timestamp,
            Headers = headers,
        };
    }

    private async ValueTask<IChannel> GetChannelAsync(CancellationToken cancellationToken)
    {
        if (_channel is { IsOpen: true } open)
        {
            return open;
        }

        await _channelGate.WaitAsync(cancellationToken);
        try
        {
            if (_channel is { IsOpen: true } opened)
            {
                return opened;
            }

            await _channel.CloseQuietlyAsync();
            var channelOptions = new CreateChannelOptions(
                publisherConfirmationsEnabled: true,
                publisherConfirmationTrackingEnabled: true,
                // A safety net only: the two groups in the air stay within half of it, below where
                // the limiter starts delaying each publish.
                outstandingPublisherConfirmationsRateLimiter: new ThrottlingRateLimiter(4 * options.Value.PublishGroupSize));
            var channel = await connection.CreateChannelAsync(channelOptions, cancellationToken);
            try
            {
                await topology.PrepareAsync(channel, options.Value, cancellationToken);
            }
            catch
            {
                await channel.CloseQuietlyAsync();
                throw;
            }

            _channel = channel;
            return channel;
        }
        finally
        {
            _channelGate.Release();
        }
    }

    /// <summary>Drops the channel a group failed on, unless another group has replaced it already.</summary>
    private async Task ResetChannelAsync(IChannel? failed)
    {
        await _channelGate.WaitAsync();
        try
        {
            if (failed is not null && ReferenceEquals(_channel, failed))
            {
                _channel = null;
                await failed.CloseQuietlyAsync();
            }
        }
        finally
        {
            _channelGate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.CloseQuietlyAsync();
        _channel = null;
        _gate.Dispose();
        _channelGate.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing {Count} messages to {Queue} failed on attempt {Attempt}; publishing the group again")]
    private static partial void LogGroupRetry(ILogger logger, Exception exception, string queue, int count, int attempt);
}
