using ImageJobs.Tests.Support;

namespace ImageJobs.Tests.Integration;

/// <summary>
/// An example's run.sh against a producer that has an access key (in process, with a worker, against
/// the real RabbitMQ and Azurite): it sends IMAGEJOBS_KEY, stops at a refusal without it, and exits
/// 1 when jobs fail, listing them.
/// </summary>
[Trait("Category", "Integration")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class ExampleScriptKeyTests(LocalInfrastructure infrastructure)
{
    private const string Key = "example-access-key-0123456789";

    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task The_key_is_sent_when_set_and_its_absence_or_a_failed_job_is_an_exit_code()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix, new Dictionary<string, string?> { ["Access:Key"] = Key });

        var refused = await ExampleScripts.RunAsync("price-tags", producer.Address);
        Assert.True(refused.ExitCode == 2, $"exit {refused.ExitCode}: {refused.Output}{refused.Errors}");
        Assert.Contains("HTTP 401", refused.Errors, StringComparison.Ordinal);

        using (var worker = ServiceHosts.Worker(infrastructure, _suffix))
        {
            await worker.StartAsync();
            try
            {
                var done = await ExampleScripts.RunAsync("price-tags", producer.Address, Key);
                Assert.True(done.ExitCode == 0, $"exit {done.ExitCode}: {done.Output}{done.Errors}");
                Assert.Contains("12 succeeded, 0 failed of 12", done.Output, StringComparison.Ordinal);
            }
            finally
            {
                await worker.StopAsync();
            }
        }

        // A worker that takes no source larger than 100 bytes fails every job (source.too_large).
        using (var worker = ServiceHosts.Worker(infrastructure, _suffix, settings: new Dictionary<string, string?> { ["Rendering:Limits:MaxSourceBytes"] = "100" }))
        {
            await worker.StartAsync();
            try
            {
                var failed = await ExampleScripts.RunAsync("price-tags", producer.Address, Key);
                Assert.True(failed.ExitCode == 1, $"exit {failed.ExitCode}: {failed.Output}{failed.Errors}");
                Assert.Contains("0 succeeded, 12 failed of 12", failed.Output, StringComparison.Ordinal);
                Assert.Contains("source.too_large", failed.Errors, StringComparison.Ordinal);
            }
            finally
            {
                await worker.StopAsync();
            }
        }
    }
}
