using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ImageJobs.Contracts;
using ImageJobs.Contracts.Templates;
using Microsoft.Extensions.Options;

namespace ImageJobs.Storage;

/// <summary>
/// The template a layered batch's jobs fill (job schema version 3), stored once by the producer
/// before the batch's first job is published, <c>{batchId}/template.json</c> in the batches
/// container, and read by the workers. It never changes while the batch lives: editing a stored
/// template makes a new version, and this copy is the batch's own, deleted with it.
/// </summary>
public sealed class BatchTemplates(BlobServiceClient blobs, IOptions<StorageOptions> storage)
{
    /// <summary>A template is refused past this size: far above 64 layers of the longest texts a batch accepts.</summary>
    public const int MaxBytes = 4 * 1024 * 1024;

    public static string BlobName(string batchId) => $"{batchId}/template.json";

    private BlobClient Blob(string batchId) => blobs.GetBlobContainerClient(storage.Value.BatchesContainer).GetBlobClient(BlobName(batchId));

    public async Task SaveAsync(string batchId, JobTemplate template, CancellationToken cancellationToken) =>
        await Blob(batchId).UploadAsync(BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(template, JobJson.Default.JobTemplate)),
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } }, cancellationToken);

    public async Task DeleteAsync(string batchId, CancellationToken cancellationToken) =>
        await Blob(batchId).DeleteIfExistsAsync(cancellationToken: cancellationToken);

    /// <summary>The batch's template, read as untrusted: bounded, and checked to be a template's JSON.</summary>
    /// <exception cref="JobFailedException"><c>template.not_found</c> when there is none; <c>template.invalid</c> when it is too large or not a template.</exception>
    public async Task<JobTemplate> ReadAsync(string batchId, CancellationToken cancellationToken)
    {
        // The batch id comes from a message: it may only name a template of the batches container.
        if (BlobNames.Problem(BlobName(batchId)) is { } problem)
        {
            throw new JobFailedException(ErrorCodes.MalformedMessage, $"The job's batch id cannot name a stored template: {problem}.");
        }

        ReadOnlyMemory<byte> content;
        try
        {
            content = await Blob(batchId).DownloadSourceAsync(MaxBytes, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new JobFailedException(ErrorCodes.TemplateNotFound, $"Batch {batchId} has no stored template ({BlobName(batchId)} in the batches container).", ex);
        }
        catch (JobFailedException ex) when (ex.Code == ErrorCodes.SourceTooLarge)
        {
            throw new JobFailedException(ErrorCodes.InvalidTemplate, $"The stored template of batch {batchId} is larger than {MaxBytes:N0} bytes.", ex);
        }

        try
        {
            return JsonSerializer.Deserialize(content.Span, JobJson.Default.JobTemplate) is { Layers: not null } template
                ? template
                : throw new JobFailedException(ErrorCodes.InvalidTemplate, $"The stored template of batch {batchId} has no layers.");
        }
        catch (JsonException ex)
        {
            throw new JobFailedException(ErrorCodes.InvalidTemplate, $"The stored template of batch {batchId} is not valid JSON for a template: {ex.Message}", ex);
        }
    }
}
