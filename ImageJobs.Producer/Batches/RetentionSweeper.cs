using System.ComponentModel.DataAnnotations;
using Azure.Storage.Blobs;
using ImageJobs.Storage;
using Microsoft.Extensions.Options;

namespace ImageJobs.Producer.Batches;

/// <summary>How long batches are kept, bound from <c>Retention</c>.</summary>
public sealed class RetentionOptions
{
    public const string SectionName = "Retention";

    /// <summary>A batch created longer ago than this is deleted: its rows and (with <see cref="DeleteResults"/>) its results.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan BatchesFor { get; set; } = TimeSpan.FromDays(30);

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan CheckEvery { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Delete results too. In Azure a blob lifecycle rule does it (infra/storage.bicep), so the templates set false.</summary>
    public bool DeleteResults { get; set; } = true;
}

/// <summary>
/// Deletes batches past the retention setting, so no set grows without bound: the table rows in
/// every mode, the results where no lifecycle rule does (local mode). Every replica may sweep; a
/// deletion is idempotent, and one cut short is finished by the next sweep.
/// </summary>
public sealed partial class RetentionSweeper(
    BatchStore store,
    JobDefinitions definitions,
    BatchTemplates templates,
    Webhooks.WebhookStore webhooks,
    BlobServiceClient blobs,
    TimeProvider time,
    IOptions<RetentionOptions> options,
    IOptions<StorageOptions> storage,
    ILogger<RetentionSweeper> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicSweep.RunAsync(options.Value.CheckEvery, time, SweepAsync, ex => LogSweepFailed(logger, ex), stoppingToken);

    /// <summary>Deletes every batch created before the retention period; returns how many.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - options.Value.BatchesFor;
        var results = blobs.GetBlobContainerClient(storage.Value.ResultsContainer);
        var deleted = 0;
        foreach (var (batchId, orderKey) in await store.ListCreatedBeforeAsync(cutoff, cancellationToken))
        {
            if (options.Value.DeleteResults)
            {
                await foreach (var blob in results.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = batchId + "/" }, cancellationToken))
                {
                    await results.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken);
                }
            }

            await definitions.DeleteAsync(batchId, cancellationToken);
            await templates.DeleteAsync(batchId, cancellationToken);
            await webhooks.DeleteAsync(batchId, cancellationToken);
            await store.DeleteAsync(batchId, orderKey, cancellationToken);
            LogDeleted(logger, batchId, options.Value.BatchesFor.TotalDays);
            deleted++;
        }

        return deleted;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Batch {BatchId}: older than {RetentionDays} days, deleted")]
    private static partial void LogDeleted(ILogger logger, string batchId, double retentionDays);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting batches past their retention failed; trying again at the next check")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
