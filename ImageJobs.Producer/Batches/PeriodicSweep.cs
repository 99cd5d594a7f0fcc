namespace ImageJobs.Producer.Batches;

/// <summary>
/// The loop of the producer's sweeps: wait, sweep, and on a failure (the broker or the store away)
/// log it and try again at the next check, until the host stops.
/// </summary>
internal static class PeriodicSweep
{
    public static async Task RunAsync(TimeSpan every, TimeProvider time, Func<CancellationToken, Task> sweep, Action<Exception> failed,
        CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, time, stoppingToken);
                await sweep(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failed(ex);
            }
        }
    }
}
