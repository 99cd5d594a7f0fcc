using ImageJobs.Messaging;
using ImageJobs.Rendering;
using ImageJobs.Storage;
using ImageJobs.Worker.Processing;
using ImageJobs.Worker.Telemetry;
using Microsoft.Extensions.Options;

namespace ImageJobs.Worker;

public static class WorkerServiceExtensions
{
    /// <summary>The broker, blob storage, options, renderer and job processing.</summary>
    public static IHostApplicationBuilder AddWorkerServices(this IHostApplicationBuilder builder)
    {
        builder.AddMessaging(TopologyAccess.CheckOnly);
        builder.AddBlobContainers();
        builder.AddRenderer();
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<WorkerMetrics>();
        builder.Services.AddSingleton<BatchTemplateCache>();
        builder.Services.AddSingleton<JobProcessor>();
        builder.Services.AddTransient<QueueSubscription>();
        builder.Services.AddSingleton<ProgressReporter>();
        builder.Services.AddOptions<BatchControlOptions>().BindConfiguration(BatchControlOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<BatchControlCache>();
        builder.Services.AddSingleton<JobRunner>();

        // A SIGTERM never abandons a job in hand: the host waits for every job it holds.
        builder.Services.AddOptions<HostOptions>().Configure<IOptions<MessagingOptions>>((host, messaging) => host.ShutdownTimeout = ShutdownTimeout(messaging.Value));
        return builder;
    }

    /// <summary>
    /// How long a stopping worker may take: each prefetched job in hand runs to its time limit and
    /// has its end confirmed, plus the wait for prefetched deliveries and closing the channel.
    /// infra/worker.tmpl.yaml's terminationGracePeriodSeconds must cover it (the deployment tests check).
    /// </summary>
    public static TimeSpan ShutdownTimeout(MessagingOptions messaging) =>
        (messaging.Prefetch * (messaging.JobTimeout + messaging.ConfirmTimeout)) + TimeSpan.FromSeconds(15);
}
