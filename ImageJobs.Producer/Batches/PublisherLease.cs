using Azure;

namespace ImageJobs.Producer.Batches;

/// <summary>
/// Which replica publishes a batch submitted with an idempotency key. The one that stored the batch
/// publishes it, marking it every few seconds while it does. Another given the same key meanwhile
/// (a client's retry through another replica, each replica seeding the demo) waits for it, since a
/// 202 says every job is confirmed, and publishes the batch itself only once the marks stop: its
/// publisher died mid-publish. Its timings are constants, not options: every replica must agree on them.
/// </summary>
public sealed partial class PublisherLease(BatchStore store, TimeProvider time, ILogger<PublisherLease> logger)
{
    /// <summary>How often a publishing replica marks its batch.</summary>
    public static readonly TimeSpan MarkEvery = TimeSpan.FromSeconds(2);

    /// <summary>How long without a mark before a waiting replica takes the batch over: several marks missed, not one slow write.</summary>
    public static readonly TimeSpan Silence = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    /// <summary>True once this replica is to publish the batch; false when it was published meanwhile (or is gone).</summary>
    public async Task<bool> AwaitTurnAsync(string batchId, CancellationToken cancellationToken)
    {
        while (true)
        {
            var state = await store.ReadPublishingAsync(batchId, cancellationToken);
            if (state is null || state.Published)
            {
                return false;
            }

            var now = time.GetUtcNow();
            if (now - state.MarkedAt >= Silence && await store.TakeOverPublishingAsync(batchId, state.ETag, now, cancellationToken))
            {
                LogTakenOver(logger, batchId, state.MarkedAt);
                return true;
            }

            await Task.Delay(Poll, time, cancellationToken);
        }
    }

    /// <summary>Marks the batch every <see cref="MarkEvery"/> until <paramref name="cancellationToken"/> ends the publish.</summary>
    public async Task MarkWhilePublishingAsync(string batchId, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(MarkEvery, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    await store.MarkPublishingAsync(batchId, time.GetUtcNow(), cancellationToken);
                }
                catch (RequestFailedException ex)
                {
                    // A missed mark costs at worst a duplicate publish by a waiting replica (same job ids).
                    LogMarkFailed(logger, ex, batchId);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch {BatchId}: its publisher last marked it at {MarkedAt}; this replica publishes it again")]
    private static partial void LogTakenOver(ILogger logger, string batchId, DateTimeOffset markedAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch {BatchId}: could not mark it as being published")]
    private static partial void LogMarkFailed(ILogger logger, Exception exception, string batchId);
}
