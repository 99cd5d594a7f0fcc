using ImageJobs.Messaging;
using ImageJobs.Rendering;
using ImageJobs.Storage;
using ImageJobs.Worker.Processing;
using ImageJobs.Worker.Telemetry;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ImageJobs.Worker;

public static class WorkerServiceExtensions
{
    /// <summary>The broker, blob storage, options, renderer and job processing.</summary>
    public static IHostApplicationBuilder AddWorkerServices(this IHostApplicationBuilder builder)
    {
        builder.AddMessaging(TopologyAccess.CheckOnly);
        builder.AddBlobContainers();
        builder.Services.AddOptions<RenderLimits>().BindConfiguration(RenderLimits.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<FontLibrary>(_ => new FontLibrary());
        builder.Services.AddSingleton(sp => new ImageRenderer(sp.GetRequiredService<FontLibrary>(), sp.GetRequiredService<IOptions<RenderLimits>>().Value));
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<WorkerMetrics>();
        builder.Services.AddSingleton<JobProcessor>();
        builder.Services.AddTransient<QueueSubscription>();
        builder.Services.AddSingleton<ProgressReporter>();
        builder.Services.AddSingleton<JobRunner>();

        // A job in hand gets this long to finish when the worker is asked to stop (SIGTERM).
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        return builder;
    }
}
