using System.Diagnostics;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace ImageJobs.Worker.Messaging;

/// <summary>A message ready to publish: its id (the job id), its JSON body, and headers of its own.</summary>
public readonly record struct OutgoingMessage(string MessageId, ReadOnlyMemory<byte> Body, IReadOnlyDictionary<string, object?>? Headers = null);

/// <summary>
/// Publishes persistent, mandatory messages and returns only when the broker has confirmed
/// every one. A nacked, returned or interrupted group is published again on a fresh channel
/// (consumers are idempotent, so a duplicate is harmless; a loss is not).
/// </summary>
public sealed partial class ConfirmedPublisher(
    IConnection connection,
    IOptions<MessagingOptions> options,
    ILogger<ConfirmedPublisher> logger) : IAsyncDisposable
{
    // With the delays below, about 20 s: long enough to ride out a broker restart.
    private const int MaxAttemptsPerGroup = 8;

    public static readonly ActivitySource ActivitySource = new("ImageJobs.Messaging");

    private readonly SemaphoreSlim _gate = new(1, 1);
    private IChannel? _channel;

    public Task PublishAsync(string queue, OutgoingMessage message, CancellationToken cancellationToken) =>
        PublishAsync(string.Empty, queue, [message], cancellationToken);

    public Task PublishAsync(string queue, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken) =>
        PublishAsync(string.Empty, queue, messages, cancellationToken);

    /// <summary>Publishes to an exchange (the default exchange, "", routes by queue name).</summary>
    public async Task PublishAsync(string exchange, string routingKey, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken)
    {
        var groupSize = options.Value.PublishGroupSize;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            for (var start = 0; start < messages.Count; start += groupSize)
            {
                var count = Math.Min(groupSize, messages.Count - start);
                await PublishGroupAsync(exchange, routingKey, messages, start, count, cancellationToken);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task PublishGroupAsync(string exchange, string routingKey, IReadOnlyList<OutgoingMessage> messages, int start, int count, CancellationToken cancellationToken)
    {
        // One span per group: the messages carry its context, so each consumer's span joins the
        // publisher's trace (under the caller's span, such as "submit batch").
        using var activity = ActivitySource.StartActivity($"publish {(routingKey.Length > 0 ? routingKey : exchange)}", ActivityKind.Producer);
        activity?.SetTag("messaging.system", "rabbitmq");
        activity?.SetTag("messaging.destination.name", routingKey.Length > 0 ? routingKey : exchange);
        activity?.SetTag("messaging.batch.message_count", count);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var channel = await GetChannelAsync(cancellationToken);
                var confirms = new Task[count];
                for (var i = 0; i < count; i++)
                {
                    var message = messages[start + i];
                    confirms[i] = channel.BasicPublishAsync(exchange, routingKey, mandatory: true, CreateProperties(message), message.Body, cancellationToken).AsTask();
                }

                await Task.WhenAll(confirms).WaitAsync(options.Value.ConfirmTimeout, cancellationToken);
                return;
            }
            catch (Exception ex) when (attempt < MaxAttemptsPerGroup && IsRetryable(ex) && !cancellationToken.IsCancellationRequested)
            {
                LogGroupRetry(logger, ex, routingKey, count, attempt);
                await ResetChannelAsync();
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(200 * attempt * attempt, 5_000)), cancellationToken);
            }
        }
    }

    private static bool IsRetryable(Exception ex) =>
        ex is PublishException or AlreadyClosedException or OperationInterruptedException or IOException or TimeoutException
        || (ex is AggregateException aggregate && aggregate.InnerExceptions.All(IsRetryable));

    private static BasicProperties CreateProperties(OutgoingMessage message)
    {
        var properties = new BasicProperties
        {
            Persistent = true,
            MessageId = message.MessageId,
            ContentType = "application/json",
            Timestamp = new AmqpTimestamp(DateTimeOffset.UtcNow.ToUnixTimeSeconds()),
            Headers = message.Headers is null ? new Dictionary<string, object?>() : new Dictionary<string, object?>(message.Headers),
        };
        MessageTracing.Inject(Activity.Current, properties.Headers);
        return properties;
    }

    private async ValueTask<IChannel> GetChannelAsync(CancellationToken cancellationToken)
    {
        if (_channel is { IsOpen: true } open)
        {
            return open;
        }

        await ResetChannelAsync();
        var channelOptions = new CreateChannelOptions(
            publisherConfirmationsEnabled: true,
            publisherConfirmationTrackingEnabled: true,
            outstandingPublisherConfirmationsRateLimiter: new ThrottlingRateLimiter(options.Value.MaxOutstandingConfirms));
        _channel = await connection.CreateChannelAsync(channelOptions, cancellationToken);
        await JobTopology.DeclareAsync(_channel, options.Value, cancellationToken);
        return _channel;
    }

    private async Task ResetChannelAsync()
    {
        if (_channel is { } channel)
        {
            _channel = null;
            try
            {
                // Bounded: closing a channel whose connection is recovering can wait a long time.
                await channel.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or IOException or TimeoutException)
            {
                // Already dead: nothing to release.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await ResetChannelAsync();
        _gate.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing {Count} messages to {Queue} failed on attempt {Attempt}; publishing the group again")]
    private static partial void LogGroupRetry(ILogger logger, Exception exception, string queue, int count, int attempt);
}
