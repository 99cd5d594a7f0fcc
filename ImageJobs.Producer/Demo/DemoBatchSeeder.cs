using System.ComponentModel.DataAnnotations;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ImageJobs.Producer.Batches;
using ImageJobs.Producer.Startup;
using ImageJobs.Storage;
using Microsoft.Extensions.Options;

namespace ImageJobs.Producer.Demo;

public sealed class DemoOptions
{
    public const string SectionName = "Demo";

    /// <summary>Seed sample images and submit a demo batch when the source container is empty.</summary>
    public bool Enabled { get; set; }

    [Range(1, 10_000)]
    public int Images { get; set; } = 48;
}

/// <summary>
/// The first-run experience: with an empty source container, uploads sample images and submits
/// a batch over them, so a fresh `dotnet run` shows work flowing on the dashboard.
/// </summary>
public sealed partial class DemoBatchSeeder(
    BlobServiceClient blobs,
    InfrastructureInitializer infrastructure,
    BatchSubmitter submitter,
    IOptions<DemoOptions> options,
    IOptions<StorageOptions> storage,
    ILogger<DemoBatchSeeder> logger) : BackgroundService
{
    public const string Prefix = "samples/";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        await infrastructure.Ready.WaitAsync(stoppingToken);
        var container = blobs.GetBlobContainerClient(storage.Value.SourcesContainer);
        await foreach (var _ in container.GetBlobsAsync(new GetBlobsOptions(), stoppingToken))
        {
            LogSkipped(logger, storage.Value.SourcesContainer);
            return;
        }

        for (var i = 0; i < options.Value.Images; i++)
        {
            await container.GetBlobClient($"{Prefix}sample-{i + 1:D3}.jpg").UploadAsync(
                BinaryData.FromBytes(SampleImages.Jpeg(i)),
                new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "image/jpeg" } },
                stoppingToken);
        }

        var accepted = await submitter.SubmitAsync(
            new SubmitBatchRequest { Prefix = Prefix, Template = "Hello from ImageJobs #{index}" },
            idempotencyKey: "demo-batch",
            stoppingToken);
        LogSeeded(logger, options.Value.Images, accepted.BatchId);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo: container {Container} is not empty, nothing seeded")]
    private static partial void LogSkipped(ILogger logger, string container);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo: seeded {Count} sample images and submitted batch {BatchId}")]
    private static partial void LogSeeded(ILogger logger, int count, string batchId);
}
