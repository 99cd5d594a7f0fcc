using System.Globalization;
using System.Net.Sockets;
using Azure;
using ImageJobs.Contracts;
using ImageJobs.Messaging;

namespace ImageJobs.Worker.Processing;

/// <summary>How a job failed: the error, whether its own time limit had run out, whether its channel died.</summary>
public readonly record struct JobFailure(Exception Error, bool TimedOut = false, bool ChannelLost = false);

/// <summary>The limits the policy applies: transient retries before giving up, and the job time limit (named in the reason).</summary>
public sealed record FailureLimits(int TransientRetries, TimeSpan JobTimeout)
{
    public static FailureLimits From(MessagingOptions options) => new(options.TransientRetries, options.JobTimeout);
}

/// <summary>What becomes of a failed delivery.</summary>
public abstract record FailureDecision;

/// <summary>Handed on to a delay queue, whose TTL sends it back to the work queue: the <see cref="Retry"/>-th transient retry.</summary>
public sealed record RetryLater(string Code, string Reason, int Retry, string DelayQueue) : FailureDecision;

/// <summary>Sent to the dead-letter exchange with its code and reason; the producer records the failure.</summary>
public sealed record DeadLetter(string Code, string Reason) : FailureDecision;

/// <summary>Its channel died: the broker has the delivery back (a copy may already run elsewhere), so nothing is settled or handed on.</summary>
public sealed record Abandon : FailureDecision;

/// <summary>
/// Decides what becomes of a job that failed, from the error, the attempt, the transient retries
/// it has had and the limits: pure, so every case is tested without a broker. Permanent failures
/// (<see cref="JobFailedException"/>) are dead-lettered at once; anything else is transient and
/// retried through the delay queues until <see cref="FailureLimits.TransientRetries"/> run out.
/// Every code is one of <see cref="ErrorCodes"/>.
/// </summary>
public static class FailurePolicy
{
    public static FailureDecision Decide(JobFailure failure, int attempt, int retriesSoFar, FailureLimits limits)
    {
        if (failure.Error is JobFailedException permanent)
        {
            return new DeadLetter(permanent.Code, permanent.Message);
        }

        if (failure.ChannelLost && failure.Error is OperationCanceledException)
        {
            return new Abandon();
        }

        var (code, reason) = Transient(failure, limits);
        var retry = retriesSoFar + 1;
        if (retry > limits.TransientRetries)
        {
            return new DeadLetter(ErrorCodes.RetriesExhausted, string.Create(CultureInfo.InvariantCulture,
                $"Gave up after {attempt} attempts; last error ({code}): {reason}"));
        }

        return new RetryLater(code, reason, retry, JobTopology.RetryQueueFor(retry));
    }

    private static (string Code, string Reason) Transient(JobFailure failure, FailureLimits limits) => failure.Error switch
    {
        OperationCanceledException or TimeoutException when failure.TimedOut =>
            (ErrorCodes.Timeout, string.Create(CultureInfo.InvariantCulture, $"The job did not finish within {limits.JobTimeout}.")),
        OperationCanceledException or TimeoutException => (ErrorCodes.Timeout, failure.Error.Message),
        var error when IsStorageOrNetwork(error) => (ErrorCodes.StorageUnavailable, error.Message),
        var error => (ErrorCodes.UnexpectedError, $"{error.GetType().Name}: {error.Message}"),
    };

    /// <summary>
    /// Blob storage or the network failed. The SDK gives up after its own retries with an
    /// AggregateException of each try's failure, a network timeout among them.
    /// </summary>
    private static bool IsStorageOrNetwork(Exception error) => error switch
    {
        RequestFailedException or HttpRequestException or IOException or SocketException => true,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0
            && aggregate.InnerExceptions.All(e => e is OperationCanceledException or TimeoutException || IsStorageOrNetwork(e)),
        _ => false,
    };
}
