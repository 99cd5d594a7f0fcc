namespace ImageJobs.Producer.Batches;

/// <summary>
/// Pure rate arithmetic: how many jobs finished per second over the last <c>window</c>, and when
/// the rest should be done at that rate. Times are the workers' completion times, so a rebuild
/// after a restart gives the same figures as the live count did.
/// </summary>
public sealed class ThroughputWindow(TimeSpan window, int maxKept = 200_000)
{
    // Completion times in arrival order; mostly in time order, so pruning from the head is enough to bound memory.
    private readonly Queue<DateTimeOffset> _times = new();

    public TimeSpan Window { get; } = window;

    public void Add(DateTimeOffset completedAt)
    {
        _times.Enqueue(completedAt);
        if (_times.Count > maxKept)
        {
            _times.Dequeue();
        }
    }

    /// <summary>
    /// Jobs per second over the window ending at <paramref name="now"/>; a batch younger than the
    /// window is measured over its age, so its first minute does not look slow.
    /// </summary>
    public double PerSecond(DateTimeOffset now, DateTimeOffset startedAt)
    {
        var cutoff = now - Window;
        while (_times.Count > 0 && _times.Peek() <= cutoff)
        {
            _times.Dequeue();
        }

        var span = TimeSpan.FromTicks(Math.Min(Window.Ticks, (now - startedAt).Ticks));
        if (span <= TimeSpan.Zero)
        {
            return 0;
        }

        var count = _times.Count(t => t > cutoff && t <= now);
        return count / span.TotalSeconds;
    }

    /// <summary>Seconds until <paramref name="remaining"/> jobs are done at <paramref name="perSecond"/>; null when nothing moves.</summary>
    public static double? EtaSeconds(int remaining, double perSecond) =>
        remaining <= 0 ? 0 : perSecond > 0 ? Math.Ceiling(remaining / perSecond) : null;
}
