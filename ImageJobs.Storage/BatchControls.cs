using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ImageJobs.Contracts;

namespace ImageJobs.Storage;

/// <summary>
/// The batches' controls in the controls container: the producer writes one when an operator
/// pauses, resumes or cancels a batch; the workers read it (read access only, in Azure) before
/// rendering. No blob means the batch runs.
/// </summary>
public static class BatchControls
{
    /// <summary>Writes (or replaces) the batch's control.</summary>
    public static async Task WriteControlAsync(this BlobContainerClient container, BatchControl control, CancellationToken cancellationToken) =>
        await container.GetBlobClient(BatchControl.BlobName(control.BatchId)).UploadAsync(
            BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(control, JobJson.Default.BatchControl)),
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } }, cancellationToken);

    /// <summary>
    /// The batch's state as its control says: <see cref="BatchControlState.Running"/> without one, or
    /// when the id is no plain name, or the blob is too large, unreadable, or of another batch or version.
    /// Throws when the store cannot be reached (the caller retries the job later).
    /// </summary>
    public static async Task<BatchControlState> ReadControlStateAsync(this BlobContainerClient container, string batchId, CancellationToken cancellationToken)
    {
        if (BlobNames.Problem(batchId) is not null || batchId.Contains('/'))
        {
            return BatchControlState.Running;
        }

        try
        {
            var bytes = await container.GetBlobClient(BatchControl.BlobName(batchId)).DownloadSourceAsync(BatchControl.MaxBytes, cancellationToken);
            return Parse(bytes.Span, batchId);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return BatchControlState.Running;
        }
        catch (JobFailedException)
        {
            // Over the size limit: no control we wrote.
            return BatchControlState.Running;
        }
    }

    /// <summary>The state a control blob's bytes say for <paramref name="batchId"/>; running for anything else.</summary>
    public static BatchControlState Parse(ReadOnlySpan<byte> bytes, string batchId)
    {
        try
        {
            var control = JsonSerializer.Deserialize(bytes, JobJson.Default.BatchControl);
            return control is { SchemaVersion: BatchControl.CurrentSchemaVersion } && control.BatchId == batchId && Enum.IsDefined(control.State)
                ? control.State
                : BatchControlState.Running;
        }
        catch (JsonException)
        {
            return BatchControlState.Running;
        }
    }
}
