using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ImageJobs.AppHost;

/// <summary>Settings the AppHost hands to the services: one place for each.</summary>
public static partial class ServiceConfiguration
{
    /// <summary>The one setting for the number of workers run locally (default 3); Azure's scaling is infra/worker.tmpl.yaml's.</summary>
    public const string WorkerReplicasKey = "Workers:Replicas";

    public const string SourcesContainer = "sources";
    public const string ResultsContainer = "results";
    public const string BatchesContainer = "batches";
    public const string TemplatesContainer = "templates";
    public const string FontsContainer = "fonts";

    /// <summary>Each batch's control (paused, cancelled): the producer writes it, the workers only read it.</summary>
    public const string ControlsContainer = "controls";

    /// <summary>Producer replicas (default 2): they share the batch state, so any number can run, and a deploy's overlap is harmless.</summary>
    public const string ProducerReplicasKey = "Producers:Replicas";

    public static int ProducerReplicas(this IDistributedApplicationBuilder builder)
    {
        var replicas = builder.Configuration.GetValue(ProducerReplicasKey, 2);
        return replicas is >= 1 and <= 20
            ? replicas
            : throw new InvalidOperationException($"{ProducerReplicasKey} must be between 1 and 20, not {replicas}.");
    }

    public static int WorkerReplicas(this IDistributedApplicationBuilder builder)
    {
        var replicas = builder.Configuration.GetValue(WorkerReplicasKey, 3);
        return replicas is >= 1 and <= 100
            ? replicas
            : throw new InvalidOperationException($"{WorkerReplicasKey} must be between 1 and 100, not {replicas}.");
    }

    /// <summary>Hands the service the shared settings it reads (<see cref="SharedSettings"/>) that the AppHost sets.</summary>
    public static IResourceBuilder<ProjectResource> WithSharedSettings(this IResourceBuilder<ProjectResource> service, SharedSettings settings, IEnumerable<string> keys)
    {
        foreach (var (name, value) in settings.EnvironmentFor(keys))
        {
            service.WithEnvironment(name, value);
        }

        return service;
    }

    public static IResourceBuilder<ProjectResource> WithBlobContainers(this IResourceBuilder<ProjectResource> service) => service
        .WithEnvironment("Storage__SourcesContainer", SourcesContainer)
        .WithEnvironment("Storage__ResultsContainer", ResultsContainer)
        .WithEnvironment("Storage__BatchesContainer", BatchesContainer)
        .WithEnvironment("Storage__ControlsContainer", ControlsContainer)
        .WithEnvironment("Storage__FontsContainer", FontsContainer);

    /// <summary>The producer's templates: workers never read them (a batch stores its own copy in the batches container).</summary>
    public static IResourceBuilder<ProjectResource> WithTemplatesContainer(this IResourceBuilder<ProjectResource> producer) => producer
        .WithEnvironment("Storage__TemplatesContainer", TemplatesContainer);

    /// <summary>
    /// glibc's malloc gives threads their own arenas (up to 8 per core), and Skia's pixel buffers
    /// (8 MB for a decoded full-HD image) fragment across them: a worker's RSS crept up by 14-19%
    /// over a few hundred images. Two arenas kept it flat and its peak lower (docs/PERFORMANCE.md).
    /// The same value is in infra/worker.tmpl.yaml (the deployment tests compare them).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithFewMallocArenas(this IResourceBuilder<ProjectResource> worker) => worker
        .WithEnvironment("MALLOC_ARENA_MAX", "2");

    /// <summary>On a first run (empty source container) the producer seeds samples and submits a batch; Demo:Enabled=false turns it off.</summary>
    public static IResourceBuilder<ProjectResource> WithDemoBatch(this IResourceBuilder<ProjectResource> producer)
    {
        var builder = producer.ApplicationBuilder;
        var enabled = builder.ExecutionContext.IsRunMode && builder.Configuration.GetValue("Demo:Enabled", true);
        return producer.WithEnvironment("Demo__Enabled", enabled ? "true" : "false");
    }

    /// <summary>
    /// A local run may call back a receiver on this machine (http, loopback names), and takes a
    /// default callback and its secret from the AppHost's Webhooks:* settings (user secrets). A
    /// published producer gets neither: it calls only https addresses outside the environment, and a
    /// secret is never written into the manifest.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithWebhookPolicy(this IResourceBuilder<ProjectResource> producer)
    {
        var builder = producer.ApplicationBuilder;
        if (!builder.ExecutionContext.IsRunMode)
        {
            return producer;
        }

        producer.WithEnvironment("Webhooks__AllowHttp", "true")
            .WithEnvironment("Webhooks__AllowedHosts__0", "localhost")
            .WithEnvironment("Webhooks__AllowedHosts__1", "127.0.0.1");
        foreach (var setting in new[] { "Url", "OnFailure", "Secret" })
        {
            if (builder.Configuration[$"Webhooks:{setting}"] is { Length: > 0 } value)
            {
                producer.WithEnvironment($"Webhooks__{setting}", value);
            }
        }

        return producer;
    }

    /// <summary>Prints the service's URL on the console once it is ready, beside the dashboard's.</summary>
    public static IResourceBuilder<ProjectResource> WithUrlAnnouncement(this IResourceBuilder<ProjectResource> service)
    {
        service.ApplicationBuilder.Eventing.Subscribe<ResourceReadyEvent>(service.Resource, (e, _) =>
        {
            var logger = e.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ImageJobs.AppHost");
            var url = service.GetEndpoint("http").Url;
            LogReady(logger, service.Resource.Name, url);
            return Task.CompletedTask;
        });
        return service;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The {Resource} is ready at {Url}")]
    private static partial void LogReady(ILogger logger, string resource, string url);
}
