using ImageJobs.Messaging;
using Microsoft.Extensions.Options;

namespace ImageJobs.Worker.Processing;

/// <summary>
/// The worker's consumer: subscribes to the work queue (prefetch <see cref="MessagingOptions.Prefetch"/>)
/// and runs each delivery's job. On shutdown it stops taking jobs and finishes the ones in hand.
/// </summary>
public sealed class JobConsumerService(QueueSubscription subscription, JobRunner runner, IOptions<MessagingOptions> options) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        subscription.RunAsync(JobTopology.JobsQueue, options.Value.Prefetch, runner.RunAsync, stoppingToken);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Bounded by the host's shutdown timeout; then the channel closes and the broker requeues what is left.
        await subscription.StopAsync(cancellationToken);
        try
        {
            await runner.StopAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Logged by the subscription's stop.
        }

        await base.StopAsync(cancellationToken);
    }
}
