using ImageJobs.Producer.Batches;

namespace ImageJobs.Tests.Unit;

[Trait("Category", "Unit")]
public class EndRateTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Rate_is_over_the_last_minute_of_every_writer_and_forgets_older_ends()
    {
        var (a, b) = (new EndRate(), new EndRate());
        a.Add(300, Start);                        // long before the window
        for (var second = 100; second < 160; second += 10)
        {
            a.Add(10, Start.AddSeconds(second));  // 1 per second from each writer over the last minute
            b.Add(10, Start.AddSeconds(second));
        }

        Assert.Equal(2.0, EndRate.PerSecond([a, b], Start.AddSeconds(160), Start), 1);
        Assert.DoesNotContain(Start.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), a.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_young_batch_is_measured_over_its_age()
    {
        var rate = new EndRate();
        rate.Add(10, Start.AddSeconds(2));

        Assert.Equal(2.0, EndRate.PerSecond([rate], Start.AddSeconds(5), Start), 2);
        Assert.Equal(0, EndRate.PerSecond([rate], Start, Start));
    }

    [Fact]
    public void What_is_stored_reads_back_and_what_does_not_read_is_skipped()
    {
        var rate = new EndRate();
        rate.Add(7, Start);
        rate.Add(5, Start.AddSeconds(15));

        var read = EndRate.Parse(rate.ToString());
        Assert.Equal(rate.ToString(), read.ToString());
        Assert.Equal(12, read.InWindow(Start.AddSeconds(20)));
        Assert.Equal(3, EndRate.Parse("x:1,17:-2,,10:3,20").InWindow(DateTimeOffset.FromUnixTimeSeconds(30)));
        Assert.Equal(0, EndRate.Parse(null).InWindow(Start));
    }

    [Theory]
    [InlineData(100, 2.0, 50.0)]
    [InlineData(3, 2.0, 2.0)]
    [InlineData(0, 0.0, 0.0)]
    public void Eta_is_the_rest_at_the_current_rate(int remaining, double perSecond, double expected) =>
        Assert.Equal(expected, EndRate.EtaSeconds(remaining, perSecond));

    [Fact]
    public void No_eta_while_nothing_moves() => Assert.Null(EndRate.EtaSeconds(10, 0));
}
