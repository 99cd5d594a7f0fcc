using ImageJobs.Messaging;
using ImageJobs.Worker;

namespace ImageJobs.Tests.Deployment;

/// <summary>A worker stopped in Azure (rolling deploy, scale-in) is given the time its shutdown takes.</summary>
[Trait("Category", "Deployment")]
public sealed class ShutdownTests
{
    [Fact]
    public void The_grace_period_before_sigkill_covers_the_workers_shutdown_timeout()
    {
        // The template sets no Messaging settings: the workers run with the defaults.
        var shutdown = WorkerServiceExtensions.ShutdownTimeout(new MessagingOptions());
        var template = DeploymentFiles.LoadTemplate("worker").At("properties", "template");

        var grace = TimeSpan.FromSeconds(template.At("terminationGracePeriodSeconds").Integer());

        Assert.True(grace > shutdown, $"terminationGracePeriodSeconds is {grace}, the worker's shutdown timeout {shutdown}");
        Assert.True(grace <= TimeSpan.FromMinutes(10), "Container Apps allows at most 600 s");
    }
}
