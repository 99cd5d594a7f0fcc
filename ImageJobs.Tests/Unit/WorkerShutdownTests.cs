using ImageJobs.Messaging;
using ImageJobs.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ImageJobs.Tests.Unit;

/// <summary>A worker asked to stop waits long enough for the jobs it holds (built, not started: no broker).</summary>
[Trait("Category", "Unit")]
public sealed class WorkerShutdownTests
{
    [Theory]
    [InlineData("00:02:00", "1", 165)]
    [InlineData("00:00:01", "1", 46)]
    [InlineData("00:10:00", "3", 1905)]
    public void The_shutdown_timeout_covers_every_prefetched_job_running_to_its_limit(string jobTimeout, string prefetch, int seconds)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:messaging"] = "amqp://127.0.0.1:1",
            ["ConnectionStrings:blobs"] = "UseDevelopmentStorage=true",
            ["Messaging:JobTimeout"] = jobTimeout,
            ["Messaging:Prefetch"] = prefetch,
        });
        builder.AddWorkerServices();
        using var host = builder.Build();

        var shutdown = host.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout;
        var messaging = host.Services.GetRequiredService<IOptions<MessagingOptions>>().Value;

        Assert.Equal(TimeSpan.FromSeconds(seconds), shutdown);
        Assert.True(shutdown > messaging.Prefetch * (messaging.JobTimeout + messaging.ConfirmTimeout));
    }
}
