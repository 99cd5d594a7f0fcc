using Azure.Storage.Blobs;
using ImageJobs.Messaging;
using ImageJobs.Producer.Access;
using ImageJobs.Producer.Batches;
using ImageJobs.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace ImageJobs.Producer.Startup;

/// <summary>
/// Creates the blob containers, the batch table and the queue topology before the producer reports healthy,
/// so workers (which wait for the producer) find them in place.
/// </summary>
public sealed partial class InfrastructureInitializer(
    BlobServiceClient blobs,
    BatchStore batches,
    ApiKeyStore keys,
    IConnection connection,
    IOptions<StorageOptions> storage,
    IOptions<MessagingOptions> messaging,
    ILogger<InfrastructureInitializer> logger) : BackgroundService, IHealthCheck
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once containers and queues exist.</summary>
    public Task Ready => _ready.Task;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Ready.IsCompletedSuccessfully ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("Containers, the batch table and queues are not created yet."));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                foreach (var name in new[] { storage.Value.SourcesContainer, storage.Value.ResultsContainer, storage.Value.BatchesContainer, storage.Value.TemplatesContainer, storage.Value.ControlsContainer, storage.Value.FontsContainer })
                {
                    await blobs.GetBlobContainerClient(name).CreateIfNotExistsAsync(cancellationToken: stoppingToken);
                }

                await batches.CreateAsync(stoppingToken);
                await keys.CreateAsync(stoppingToken);
                await using var channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
                await JobTopology.DeclareAsync(channel, messaging.Value, stoppingToken);
                _ready.TrySetResult();
                LogReady(logger);
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogNotReady(logger, ex, attempt);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(10, attempt)), stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Blob containers, the batch table and queues are in place")]
    private static partial void LogReady(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Creating blob containers, the batch table and queues failed (attempt {Attempt}); trying again")]
    private static partial void LogNotReady(ILogger logger, Exception exception, int attempt);
}
