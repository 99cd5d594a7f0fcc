using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using ImageJobs.Worker.Contracts;
using ImageJobs.Worker.Storage;
using Microsoft.Extensions.Options;

namespace ImageJobs.Producer.Batches;

/// <summary>
/// A batch as stored: enough to rebuild its progress after a restart. <see cref="RequestHash"/>
/// tells a repeated submission (same idempotency key, same request) from a conflicting one; it is
/// null for a batch submitted without a key.
/// </summary>
public sealed record BatchDefinition(string BatchId, DateTimeOffset CreatedAt, int Total, bool Published, string? RequestHash);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(BatchDefinition))]
internal sealed partial class BatchJson : JsonSerializerContext;

/// <summary>
/// Keeps batches in blob storage: <c>{batchId}/batch.json</c> and an append-only log of
/// outcomes, <c>{batchId}/outcomes.jsonl</c>, replayed to rebuild progress.
/// </summary>
public sealed class BatchStore(BlobServiceClient blobs, IOptions<StorageOptions> storage)
{
    private BlobContainerClient Container => blobs.GetBlobContainerClient(storage.Value.BatchesContainer);

    public async Task SaveAsync(BatchDefinition batch, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(batch, BatchJson.Default.BatchDefinition);
        await Container.GetBlobClient($"{batch.BatchId}/batch.json").UploadAsync(BinaryData.FromBytes(json), overwrite: true, cancellationToken);
    }

    public async Task<BatchDefinition?> LoadAsync(string batchId, CancellationToken cancellationToken)
    {
        try
        {
            var content = await Container.GetBlobClient($"{batchId}/batch.json").DownloadContentAsync(cancellationToken);
            return content.Value.Content.ToObjectFromJson(BatchJson.Default.BatchDefinition);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    public async IAsyncEnumerable<string> ListIdsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in Container.GetBlobsByHierarchyAsync(new GetBlobsByHierarchyOptions { Delimiter = "/" }, cancellationToken))
        {
            if (item.IsPrefix)
            {
                yield return item.Prefix.TrimEnd('/');
            }
        }
    }

    public async Task AppendOutcomesAsync(string batchId, IReadOnlyList<JobOutcome> outcomes, CancellationToken cancellationToken)
    {
        var log = Container.GetAppendBlobClient($"{batchId}/outcomes.jsonl");
        await log.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        using var buffer = new MemoryStream();
        foreach (var outcome in outcomes)
        {
            JsonSerializer.Serialize(buffer, outcome, JobJson.Default.JobOutcome);
            buffer.WriteByte((byte)'\n');
        }

        buffer.Position = 0;
        await log.AppendBlockAsync(buffer, cancellationToken: cancellationToken);
    }

    public async Task<IReadOnlyList<JobOutcome>> ReadOutcomesAsync(string batchId, CancellationToken cancellationToken)
    {
        var outcomes = new List<JobOutcome>();
        try
        {
            var response = await Container.GetBlobClient($"{batchId}/outcomes.jsonl").DownloadStreamingAsync(cancellationToken: cancellationToken);
            using var reader = new StreamReader(response.Value.Content, Encoding.UTF8);
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.Length > 0 && JsonSerializer.Deserialize(line, JobJson.Default.JobOutcome) is { } outcome)
                {
                    outcomes.Add(outcome);
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No outcome yet.
        }

        return outcomes;
    }
}
