using System.Globalization;

namespace ImageJobs.Producer.Batches;

/// <summary>
/// Pure rate arithmetic: the ends one writer stored lately, in 10-second buckets (kept with its
/// counts, so any replica can add up every writer's), and the jobs per second and ETA they give.
/// </summary>
public sealed class EndRate
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private const int BucketSeconds = 10;

    // Bucket start (Unix seconds) -> ends stored in it.
    private readonly SortedDictionary<long, int> _buckets = [];

    /// <summary>Counts <paramref name="ends"/> stored at <paramref name="now"/>, and forgets buckets past the window.</summary>
    public void Add(int ends, DateTimeOffset now)
    {
        var bucket = Bucket(now);
        if (ends > 0)
        {
            _buckets[bucket] = _buckets.GetValueOrDefault(bucket) + ends;
        }

        foreach (var old in _buckets.Keys.Where(start => start + BucketSeconds <= bucket - (long)Window.TotalSeconds).ToList())
        {
            _buckets.Remove(old);
        }
    }

    /// <summary>Ends stored in the window before <paramref name="now"/>.</summary>
    public int InWindow(DateTimeOffset now)
    {
        var since = Bucket(now) - (long)Window.TotalSeconds;
        return _buckets.Where(b => b.Key >= since).Sum(b => b.Value);
    }

    /// <summary>
    /// Jobs per second over the window ending at <paramref name="now"/>, of every writer; a batch
    /// younger than the window is measured over its age, so its first minute does not look slow.
    /// </summary>
    public static double PerSecond(IEnumerable<EndRate> writers, DateTimeOffset now, DateTimeOffset createdAt)
    {
        var span = TimeSpan.FromTicks(Math.Min(Window.Ticks, (now - createdAt).Ticks));
        return span <= TimeSpan.Zero ? 0 : Math.Round(writers.Sum(w => w.InWindow(now)) / span.TotalSeconds, 2);
    }

    /// <summary>Seconds until <paramref name="remaining"/> jobs are done at <paramref name="perSecond"/>; null when nothing moves.</summary>
    public static double? EtaSeconds(int remaining, double perSecond) =>
        remaining <= 0 ? 0 : perSecond > 0 ? Math.Ceiling(remaining / perSecond) : null;

    /// <summary>As stored: "start:ends" pairs.</summary>
    public override string ToString() =>
        string.Join(',', _buckets.Select(b => string.Create(CultureInfo.InvariantCulture, $"{b.Key}:{b.Value}")));

    /// <summary>What was stored; a pair that does not read is skipped (the rate is a hint, never a count).</summary>
    public static EndRate Parse(string? stored)
    {
        var rate = new EndRate();
        foreach (var pair in (stored ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries).Take(16))
        {
            var parts = pair.Split(':');
            if (parts.Length == 2
                && long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var start)
                && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ends))
            {
                rate._buckets[start] = ends;
            }
        }

        return rate;
    }

    private static long Bucket(DateTimeOffset at) => at.ToUnixTimeSeconds() / BucketSeconds * BucketSeconds;
}
