using ImageJobs.Contracts;
using ImageJobs.Producer.Batches;

namespace ImageJobs.Tests.Unit;

[Trait("Category", "Unit")]
public class ThroughputTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    private static JobOutcome Done(string jobId, double secondsAfterStart, JobStatus status = JobStatus.Succeeded) =>
        new(1, jobId, "b", status, null, null, null, null, 1, false, "w", Start.AddSeconds(secondsAfterStart));

    [Fact]
    public void Rate_is_over_the_last_minute_and_ignores_older_completions()
    {
        var window = new ThroughputWindow(TimeSpan.FromMinutes(1));
        for (var i = 0; i < 30; i++)
        {
            window.Add(Start.AddSeconds(i));          // 30 in the first half minute, then out of the window
        }

        for (var i = 0; i < 120; i++)
        {
            window.Add(Start.AddSeconds(100 + (i / 2.0))); // 2 per second over the last minute
        }

        Assert.Equal(2.0, window.PerSecond(Start.AddSeconds(160), Start), 1);
    }

    [Fact]
    public void A_young_batch_is_measured_over_its_age()
    {
        var window = new ThroughputWindow(TimeSpan.FromMinutes(1));
        for (var i = 0; i < 10; i++)
        {
            window.Add(Start.AddSeconds(i * 0.5));
        }

        Assert.Equal(2.0, window.PerSecond(Start.AddSeconds(5), Start), 2);
        Assert.Equal(0, window.PerSecond(Start, Start));
    }

    [Theory]
    [InlineData(100, 2.0, 50.0)]
    [InlineData(3, 2.0, 2.0)]
    [InlineData(0, 0.0, 0.0)]
    public void Eta_is_the_rest_at_the_current_rate(int remaining, double perSecond, double expected) =>
        Assert.Equal(expected, ThroughputWindow.EtaSeconds(remaining, perSecond));

    [Fact]
    public void No_eta_while_nothing_moves() => Assert.Null(ThroughputWindow.EtaSeconds(10, 0));

    [Fact]
    public void A_batch_snapshot_has_rate_and_eta_and_duplicates_do_not_inflate_the_rate()
    {
        var progress = new BatchProgress("b", Start, 100);
        for (var i = 0; i < 20; i++)
        {
            progress.Apply(Done($"j{i}", i * 0.5));
            progress.Apply(Done($"j{i}", i * 0.5)); // a redelivered job reported twice
        }

        var status = progress.Snapshot(Start.AddSeconds(10));
        Assert.Equal(2.0, status.PerSecond);
        Assert.Equal(40, status.EtaSeconds);
        Assert.Equal(80, status.Pending);
    }

    [Fact]
    public void A_rebuilt_batch_has_the_same_rate_as_the_live_one()
    {
        var outcomes = Enumerable.Range(0, 30).Select(i => Done($"j{i}", i, i % 3 == 0 ? JobStatus.Failed : JobStatus.Succeeded)).ToList();
        var live = new BatchProgress("b", Start, 60);
        var rebuilt = new BatchProgress("b", Start, 60);
        outcomes.ForEach(o => live.Apply(o));
        outcomes.AsEnumerable().Reverse().ToList().ForEach(o => rebuilt.Apply(o));

        var now = Start.AddSeconds(30);
        var (a, b) = (live.Snapshot(now), rebuilt.Snapshot(now));
        Assert.Equal((a.Succeeded, a.Failed, a.PerSecond, a.EtaSeconds), (b.Succeeded, b.Failed, b.PerSecond, b.EtaSeconds));
        Assert.Equal(a.Failures, b.Failures);
        Assert.Equal(1.0, live.Snapshot(now).PerSecond);
        Assert.Null(live.Snapshot().EtaSeconds);
    }
}
