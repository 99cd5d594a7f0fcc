namespace ImageJobs.Messaging;

/// <summary>
/// Orders a consumer's acks and nacks against its cancel. A quorum queue (3.10) that hands this
/// consumer a message while the cancel is under way never delivers it: the channel drops it, the
/// queue keeps it checked out until the channel closes, and it then comes back marked redelivered
/// (its delivery count raised). The queue hands one out only when the consumer has credit, which an
/// ack or nack gives back; so the cancel is sent while no settle is in flight, and with every
/// prefetched delivery in hand (credit zero) when there is one to wait for.
/// </summary>
internal sealed class SettleGate : IDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private int _unsettled;

    public int Unsettled => Volatile.Read(ref _unsettled);

    public void Arrived() => Interlocked.Increment(ref _unsettled);

    /// <summary>The delivery ends without a settle (its channel died): the broker has it back.</summary>
    public void Dropped() => Interlocked.Decrement(ref _unsettled);

    public async Task SettleAsync(Func<Task> settle)
    {
        await _lock.WaitAsync();
        try
        {
            await settle();
        }
        finally
        {
            Interlocked.Decrement(ref _unsettled);
            _lock.Release();
        }
    }

    /// <summary>
    /// Runs <paramref name="cancel"/> with no settle in flight. First waits, up to
    /// <paramref name="window"/>, for <paramref name="prefetch"/> deliveries to be in hand: a message
    /// handed out for the last ack arrives within it.
    /// </summary>
    public async Task CancelAsync(Func<Task> cancel, int prefetch, TimeSpan window, TimeProvider time, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            var until = time.GetTimestamp() + (long)(window.TotalSeconds * time.TimestampFrequency);
            while (Unsettled < prefetch && time.GetTimestamp() < until)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(10), time, cancellationToken);
            }

            await cancel();
        }
        finally
        {
            _lock.Release();
        }
    }

    public void Dispose() => _lock.Dispose();
}
