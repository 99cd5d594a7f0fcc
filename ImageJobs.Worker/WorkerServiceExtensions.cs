using ImageJobs.Messaging;
using ImageJobs.Rendering;
using ImageJobs.Storage;
using ImageJobs.Worker.Processing;
using ImageJobs.Worker.Telemetry;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ImageJobs.Worker;

public static class WorkerServiceExtensions
{
    /// <summary>The broker, blob storage, options, renderer and job processing.</summary>
    public static IHostApplicationBuilder AddWorkerServices(this IHostApplicationBuilder builder)
    {
        builder.AddRabbitMQClient(MessagingOptions.ConnectionName);
        builder.AddAzureBlobServiceClient(StorageOptions.ConnectionName);

        builder.Services.AddOptions<MessagingOptions>().BindConfiguration(MessagingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<RenderLimits>().BindConfiguration(RenderLimits.SectionName).ValidateDataAnnotations().ValidateOnStart();

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<FontLibrary>(_ => new FontLibrary());
        builder.Services.AddSingleton(sp => new ImageRenderer(sp.GetRequiredService<FontLibrary>(), sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<RenderLimits>>().Value));
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<WorkerMetrics>();
        builder.Services.AddSingleton<JobProcessor>();
        builder.Services.AddSingleton<ConfirmedPublisher>();
        builder.Services.AddTransient<QueueSubscription>();
        builder.Services.AddSingleton<ProgressReporter>();
        builder.Services.AddSingleton<JobRunner>();

        // A job in hand gets this long to finish when the worker is asked to stop (SIGTERM).
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        return builder;
    }
}
