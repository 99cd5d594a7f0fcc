using System.Globalization;
using ImageJobs.Contracts;
using RabbitMQ.Client;

namespace ImageJobs.Messaging;

/// <summary>Why a job ended in the dead-letter queue, as message headers (like MassTransit's _error queue).</summary>
public sealed record FailureDetails(string ErrorCode, string Error, int Attempts, string? Worker, DateTimeOffset FailedAt);

public static class FailureHeaders
{
    public const string ErrorCode = "x-imagejobs-error-code";
    public const string Error = "x-imagejobs-error";
    public const string Attempts = "x-imagejobs-attempts";
    public const string Worker = "x-imagejobs-worker";
    public const string FailedAt = "x-imagejobs-failed-at";

    /// <summary>Transient retries a job has had so far (delivery-count counts only crashes and rejects).</summary>
    public const string Retries = "x-imagejobs-retries";

    /// <summary>
    /// Attempts before this copy of a job was handed on to a delay queue: the copy is a new message,
    /// whose delivery count starts again, so attempts (crashes included) are carried here.
    /// </summary>
    public const string PreviousAttempts = "x-imagejobs-previous-attempts";


    /// <summary>
    /// Which attempt this delivery is (1-based): attempts carried from before a hand-on, plus the
    /// broker's redeliveries of this copy. Copies from before the carried count had only retries.
    /// </summary>
    public static int Attempt(IReadOnlyBasicProperties properties) =>
        Math.Max(AmqpHeaders.Number(properties.Headers, Retries), AmqpHeaders.Number(properties.Headers, PreviousAttempts))
        + AmqpHeaders.DeliveryCount(properties) + 1;

    public static void Write(IDictionary<string, object?> headers, FailureDetails failure)
    {
        headers[ErrorCode] = failure.ErrorCode;
        // Header values are bounded: a message is a few hundred characters, never a stack trace.
        headers[Error] = failure.Error.Length > 1_000 ? failure.Error[..1_000] : failure.Error;
        headers[Attempts] = failure.Attempts;
        headers[Worker] = failure.Worker;
        headers[FailedAt] = failure.FailedAt.ToString("O", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The failure a dead letter records: our headers when a worker dead-lettered it, or the
    /// broker's x-death when the broker did (a job over its delivery limit: it kept killing workers).
    /// </summary>
    public static FailureDetails Read(IReadOnlyBasicProperties properties)
    {
        var headers = properties.Headers;
        string? Text(string key) => AmqpHeaders.Text(headers, key);

        if (Text(ErrorCode) is { } code)
        {
            return new FailureDetails(code, Text(Error) ?? code, AmqpHeaders.Number(headers, Attempts), Text(Worker),
                DateTimeOffset.TryParse(Text(FailedAt), CultureInfo.InvariantCulture, DateTimeStyles.None, out var at) ? at : DateTimeOffset.UtcNow);
        }

        var reason = Text("x-first-death-reason") ?? "unknown";
        var deliveries = AmqpHeaders.DeliveryCount(properties);
        return reason == "delivery_limit"
            ? new FailureDetails(ErrorCodes.DeliveryLimit, $"The job was delivered {deliveries} times without finishing: it may crash or hang its worker.", deliveries, null, DateTimeOffset.UtcNow)
            : new FailureDetails(ErrorCodes.DeadLettered, $"The broker dead-lettered the job ({reason}).", deliveries, null, DateTimeOffset.UtcNow);
    }
}
