using System.Net.Sockets;
using Azure;
using ImageJobs.Contracts;
using ImageJobs.Messaging;
using ImageJobs.Worker.Processing;

namespace ImageJobs.Tests.Unit;

/// <summary>What becomes of a failed job, case by case: no broker, no storage.</summary>
[Trait("Category", "Unit")]
public sealed class FailurePolicyTests
{
    private static readonly FailureLimits Limits = new(TransientRetries: 3, JobTimeout: TimeSpan.FromMinutes(2));

    private static readonly Exception StorageDown = new RequestFailedException(503, "The server is busy.");

    /// <summary>error, timed out, channel lost, attempt, retries so far, expected decision.</summary>
    public static TheoryData<string, JobFailure, int, int, FailureDecision> Cases() => new()
    {
        // Permanent: dead-lettered at once with its own code, whatever the attempt or the time limit.
        { "corrupt image", new(new JobFailedException(ErrorCodes.CorruptImage, "damaged")), 1, 0, new DeadLetter(ErrorCodes.CorruptImage, "damaged") },
        { "permanent after retries", new(new JobFailedException(ErrorCodes.SourceNotFound, "gone")), 4, 2, new DeadLetter(ErrorCodes.SourceNotFound, "gone") },
        { "permanent as the channel dies", new(new JobFailedException(ErrorCodes.NotAnImage, "text"), ChannelLost: true), 1, 0, new DeadLetter(ErrorCodes.NotAnImage, "text") },
        { "malformed message", new(new JobFailedException(ErrorCodes.MalformedMessage, "not json")), 1, 0, new DeadLetter(ErrorCodes.MalformedMessage, "not json") },

        // The channel died under the job: the broker has it back; nothing to hand on.
        { "cancelled with its channel", new(new OperationCanceledException(), ChannelLost: true), 1, 0, new Abandon() },
        { "channel lost past the limit", new(new OperationCanceledException(), TimedOut: true, ChannelLost: true), 2, 1, new Abandon() },

        // Transient: through the delay queues in turn, the last one repeating.
        { "time limit", new(new OperationCanceledException(), TimedOut: true), 1, 0,
            new RetryLater(ErrorCodes.Timeout, "The job did not finish within 00:02:00.", 1, "imagejobs.jobs.retry.1s") },
        { "time limit, second retry", new(new TaskCanceledException(), TimedOut: true), 2, 1,
            new RetryLater(ErrorCodes.Timeout, "The job did not finish within 00:02:00.", 2, "imagejobs.jobs.retry.10s") },
        { "storage down, third retry", new(StorageDown), 3, 2, new RetryLater(ErrorCodes.StorageUnavailable, "The server is busy.", 3, "imagejobs.jobs.retry.60s") },
        { "a timeout not the job's", new(new TimeoutException("network")), 1, 0, new RetryLater(ErrorCodes.Timeout, "network", 1, "imagejobs.jobs.retry.1s") },
        { "socket", new(new SocketException((int)SocketError.ConnectionRefused, "refused")), 1, 0,
            new RetryLater(ErrorCodes.StorageUnavailable, "refused", 1, "imagejobs.jobs.retry.1s") },
        { "http", new(new HttpRequestException("reset")), 1, 0, new RetryLater(ErrorCodes.StorageUnavailable, "reset", 1, "imagejobs.jobs.retry.1s") },
        { "io", new(new IOException("broken pipe")), 1, 0, new RetryLater(ErrorCodes.StorageUnavailable, "broken pipe", 1, "imagejobs.jobs.retry.1s") },
        { "the SDK's retries ran out", new(new AggregateException("Retry failed after 2 tries.", StorageDown, new TaskCanceledException())), 1, 0,
            new RetryLater(ErrorCodes.StorageUnavailable, "Retry failed after 2 tries. (The server is busy.) (A task was canceled.)", 1, "imagejobs.jobs.retry.1s") },
        { "not recognised", new(new InvalidOperationException("bug")), 1, 0,
            new RetryLater(ErrorCodes.UnexpectedError, "InvalidOperationException: bug", 1, "imagejobs.jobs.retry.1s") },

        // Out of retries: dead-lettered, the last error and its code named in the reason.
        { "retries run out", new(new OperationCanceledException(), TimedOut: true), 4, 3,
            new DeadLetter(ErrorCodes.RetriesExhausted, "Gave up after 4 attempts; last error (job.timeout): The job did not finish within 00:02:00.") },
        { "crashes counted in attempts", new(StorageDown), 7, 3,
            new DeadLetter(ErrorCodes.RetriesExhausted, "Gave up after 7 attempts; last error (storage.unavailable): The server is busy.") },
    };

    [Theory]
    [MemberData(nameof(Cases), DisableDiscoveryEnumeration = true)]
    public void A_failure_is_acked_after_a_hand_on_or_abandoned_as_the_table_says(string name, JobFailure failure, int attempt, int retries, FailureDecision expected)
    {
        var decision = FailurePolicy.Decide(failure, attempt, retries, Limits);

        Assert.True(expected == decision, $"{name}: expected {expected}, got {decision}");
    }

    [Theory]
    [MemberData(nameof(Cases), DisableDiscoveryEnumeration = true)]
    public void Every_code_is_in_the_catalogue_and_permanent_exactly_when_it_is_dead_lettered(string name, JobFailure failure, int attempt, int retries, FailureDecision expected)
    {
        _ = expected;
        var (code, deadLettered) = FailurePolicy.Decide(failure, attempt, retries, Limits) switch
        {
            DeadLetter dead => (dead.Code, true),
            RetryLater retry => (retry.Code, false),
            _ => ((string?)null, false),
        };

        if (code is not null)
        {
            var entry = ErrorCodes.Find(code);
            Assert.True(entry is not null, $"{name}: {code} is not in ErrorCodes");
            Assert.Equal(deadLettered, entry.Permanent);
        }
    }

    [Fact]
    public void With_no_transient_retries_the_first_transient_failure_is_dead_lettered()
    {
        var decision = FailurePolicy.Decide(new JobFailure(StorageDown), 1, 0, Limits with { TransientRetries = 0 });

        Assert.Equal(ErrorCodes.RetriesExhausted, Assert.IsType<DeadLetter>(decision).Code);
    }

    [Fact]
    public void Every_delay_queue_named_is_one_the_topology_declares()
    {
        var declared = JobTopology.RetryDelays.Select(JobTopology.RetryQueue).ToHashSet();
        var limits = Limits with { TransientRetries = 10 };

        for (var retries = 0; retries < limits.TransientRetries; retries++)
        {
            var retry = Assert.IsType<RetryLater>(FailurePolicy.Decide(new JobFailure(StorageDown), retries + 1, retries, limits));
            Assert.Equal(retries + 1, retry.Retry);
            Assert.Contains(retry.DelayQueue, declared);
        }
    }
}
