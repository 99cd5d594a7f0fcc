using System.Collections.Concurrent;

namespace ImageJobs.Producer.Batches;

/// <summary>
/// Runs the publishing of accepted batches apart from the requests that asked for them: a client
/// that goes away (a closed tab, a timeout) no longer cuts a batch short. On shutdown the host
/// waits for runs in progress, up to its shutdown timeout, and only then cancels them (a batch
/// cut short that way is published again when resubmitted with its idempotency key).
/// </summary>
public sealed partial class PublishingRuns(ILogger<PublishingRuns> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, string> _running = new();

    /// <summary>Starts <paramref name="run"/> under the host's lifetime; the caller may stop waiting for it without stopping it.</summary>
    public Task RunAsync(string batchId, Func<CancellationToken, Task> run)
    {
        var task = RunLoggedAsync(batchId, run);
        _running[task] = batchId;
        _ = task.ContinueWith(done => _running.TryRemove(done, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return task;
    }

    private async Task RunLoggedAsync(string batchId, Func<CancellationToken, Task> run)
    {
        // Off the caller's synchronous path, so the request's cancellation never reaches it.
        await Task.Yield();
        try
        {
            await run(_stopping.Token);
        }
        catch (Exception ex)
        {
            LogRunFailed(logger, ex, batchId);
            throw;
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(_running.Keys).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await _stopping.CancelAsync();
        }
        catch (Exception)
        {
            // Each failure is logged where it happens.
        }
    }

    public void Dispose() => _stopping.Dispose();

    [LoggerMessage(Level = LogLevel.Error, Message = "Batch {BatchId}: publishing failed; submit it again with its idempotency key to publish the rest")]
    private static partial void LogRunFailed(ILogger logger, Exception exception, string batchId);
}
