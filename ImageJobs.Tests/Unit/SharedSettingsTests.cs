using ImageJobs.AppHost;
using ImageJobs.Tests.Support;
using Microsoft.Extensions.Configuration;

namespace ImageJobs.Tests.Unit;

/// <summary>The settings the services share, as the AppHost declares, checks and hands them on.</summary>
[Trait("Category", "Unit")]
public sealed class SharedSettingsTests
{
    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    [Fact]
    public void A_quiet_period_shorter_than_three_worker_heartbeats_is_refused_naming_both_settings()
    {
        var configuration = Configuration(("LostJobs:QuietFor", "00:02:00"), ("Messaging:ProgressHeartbeat", "00:01:00"));

        var ex = Assert.Throws<InvalidOperationException>(() => SharedSettings.From(configuration));

        Assert.StartsWith("LostJobs:QuietFor is 00:02:00, shorter than the 00:03:00 the workers' settings need.", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Messaging:ProgressHeartbeat", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_quiet_period_is_judged_against_each_prefetched_job_running_to_its_limit()
    {
        // 3 x 1 min heartbeat + 1 x (10 min job timeout + 30 s confirm timeout) = 13:30.
        var prefetched = Configuration(("LostJobs:QuietFor", "00:10:00"), ("Messaging:Prefetch", "2"), ("Messaging:JobTimeout", "00:10:00"));
        var ex = Assert.Throws<InvalidOperationException>(() => SharedSettings.From(prefetched));
        Assert.Contains("shorter than the 00:13:30", ex.Message, StringComparison.Ordinal);

        var enough = Configuration(("LostJobs:QuietFor", "00:13:30"), ("Messaging:Prefetch", "2"), ("Messaging:JobTimeout", "00:10:00"));
        Assert.Equal(TimeSpan.FromMinutes(10), SharedSettings.From(enough).Messaging.JobTimeout);
    }

    [Theory]
    [InlineData("Messaging:JobTimeout", "01:00:00")]
    [InlineData("Messaging:DeliveryLimit", "1")]
    public void A_shared_value_out_of_its_range_is_refused_by_name(string key, string value)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => SharedSettings.From(Configuration((key, value))));

        Assert.StartsWith(key + ":", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_quiet_period_that_is_no_time_span_is_refused_by_name()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => SharedSettings.From(Configuration(("LostJobs:QuietFor", "ten minutes"))));

        Assert.Contains("LostJobs:QuietFor must be a time span", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_service_gets_the_values_set_in_the_AppHost_that_it_reads_and_no_others()
    {
        var settings = SharedSettings.From(Configuration(
            ("LostJobs:QuietFor", "00:20:00"), ("Messaging:JobTimeout", "00:05:00"), ("Rendering:Limits:MaxTextLength", "500"), ("Workers:Replicas", "2")));

        var producer = settings.EnvironmentFor([.. SharedSettings.ProducerAndWorkers, SharedSettings.LostJobQuietPeriod]);
        var worker = settings.EnvironmentFor(SharedSettings.ProducerAndWorkers);

        Assert.Equal(new Dictionary<string, string>
        {
            ["Messaging__JobTimeout"] = "00:05:00",
            ["Rendering__Limits__MaxTextLength"] = "500",
            ["LostJobs__QuietFor"] = "00:20:00",
        }, producer);
        Assert.Equal(new Dictionary<string, string>
        {
            ["Messaging__JobTimeout"] = "00:05:00",
            ["Rendering__Limits__MaxTextLength"] = "500",
        }, worker);
    }

    [Fact]
    public void The_AppHosts_own_settings_pass_its_checks()
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(Repository.Root, "ImageJobs.AppHost", "appsettings.json"), optional: false).Build();

        var settings = SharedSettings.From(configuration);

        Assert.Contains("LostJobs__QuietFor", settings.EnvironmentFor([SharedSettings.LostJobQuietPeriod]).Keys);
    }
}
