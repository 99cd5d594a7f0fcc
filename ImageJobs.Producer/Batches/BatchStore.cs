using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using ImageJobs.Contracts;
using ImageJobs.Storage;
using Microsoft.Extensions.Options;

namespace ImageJobs.Producer.Batches;

/// <summary>
/// A batch as stored: enough to rebuild its progress after a restart. <see cref="RequestHash"/>
/// tells a repeated submission (same idempotency key, same request) from a conflicting one; it is
/// null for a batch submitted without a key.
/// </summary>
public sealed record BatchDefinition(string BatchId, DateTimeOffset CreatedAt, int Total, bool Published, string? RequestHash);

/// <summary>A batch's stored record that cannot be read; only that batch is affected.</summary>
public sealed class DamagedBatchException(string batchId, string damage, Exception? inner = null)
    : Exception($"Batch {batchId}: {damage}", inner)
{
    public string Damage { get; } = damage;
}

/// <summary>A batch's outcome log as read: the valid ends, and how many lines could not be used.</summary>
public sealed record OutcomeLog(IReadOnlyList<JobOutcome> Outcomes, int UnreadableLines);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(BatchDefinition))]
internal sealed partial class BatchJson : JsonSerializerContext;

/// <summary>
/// Keeps batches in blob storage: <c>{batchId}/batch.json</c> and an append-only log of
/// outcomes, replayed to rebuild progress: <c>{batchId}/outcomes.jsonl</c>, continued in
/// <c>outcomes.1.jsonl</c>, <c>outcomes.2.jsonl</c>... as each fills up.
/// </summary>
public sealed class BatchStore(BlobServiceClient blobs, IOptions<StorageOptions> storage)
{
    // The segment each batch appends to: found by listing once, then followed as segments fill.
    private readonly ConcurrentDictionary<string, int> _segments = new(StringComparer.Ordinal);

    private BlobContainerClient Container => blobs.GetBlobContainerClient(storage.Value.BatchesContainer);

    private static string OutcomeLog(string batchId, int segment) =>
        segment == 0 ? $"{batchId}/outcomes.jsonl" : string.Create(CultureInfo.InvariantCulture, $"{batchId}/outcomes.{segment}.jsonl");

    public async Task SaveAsync(BatchDefinition batch, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(batch, BatchJson.Default.BatchDefinition);
        await Container.GetBlobClient($"{batch.BatchId}/batch.json").UploadAsync(BinaryData.FromBytes(json), overwrite: true, cancellationToken);
    }

    /// <summary>The batch's record; null when there is none. Throws <see cref="DamagedBatchException"/> when it cannot be read.</summary>
    public async Task<BatchDefinition?> LoadAsync(string batchId, CancellationToken cancellationToken)
    {
        BinaryData content;
        try
        {
            content = (await Container.GetBlobClient($"{batchId}/batch.json").DownloadContentAsync(cancellationToken)).Value.Content;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }

        BatchDefinition? batch;
        try
        {
            batch = content.ToObjectFromJson(BatchJson.Default.BatchDefinition);
        }
        catch (JsonException ex)
        {
            throw new DamagedBatchException(batchId, $"its record (batch.json) is not valid JSON: {ex.Message}", ex);
        }

        return batch switch
        {
            null => throw new DamagedBatchException(batchId, "its record (batch.json) is JSON null"),
            _ when batch.BatchId != batchId => throw new DamagedBatchException(batchId, $"its record names another batch ('{batch.BatchId}')"),
            { Total: < 0 } or { CreatedAt.Ticks: 0 } => throw new DamagedBatchException(batchId, "its record lacks a total or a creation time"),
            _ => batch,
        };
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

    /// <summary>Appends outcomes to the batch's log in one block. Not to be called concurrently for one batch.</summary>
    public async Task AppendOutcomesAsync(string batchId, IReadOnlyList<JobOutcome> outcomes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        foreach (var outcome in outcomes)
        {
            JsonSerializer.Serialize(buffer, outcome, JobJson.Default.JobOutcome);
            buffer.WriteByte((byte)'\n');
        }

        if (!_segments.TryGetValue(batchId, out var segment))
        {
            segment = Math.Max(0, (await ListOutcomeLogsAsync(batchId, cancellationToken)).Count - 1);
        }

        var created = false;
        while (true)
        {
            var log = Container.GetAppendBlobClient(OutcomeLog(batchId, segment));
            buffer.Position = 0;
            try
            {
                var appended = await log.AppendBlockAsync(buffer, cancellationToken: cancellationToken);
                _segments[batchId] = appended.Value.BlobCommittedBlockCount >= storage.Value.MaxBlocksPerOutcomeLog ? segment + 1 : segment;
                return;
            }
            catch (RequestFailedException ex) when (ex.ErrorCode == "BlobNotFound" && !created)
            {
                // The first append to this segment: create it (one request per segment, not per append).
                await log.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
                created = true;
            }
            catch (RequestFailedException ex) when (ex.ErrorCode == "BlockCountExceedsLimit")
            {
                // Filled by appends this instance did not count: go on in the next segment.
                segment++;
                created = false;
            }
        }
    }

    public async Task<IReadOnlyList<JobOutcome>> ReadOutcomesAsync(string batchId, CancellationToken cancellationToken) =>
        (await ReadLogAsync(batchId, cancellationToken)).Outcomes;

    /// <summary>The batch's logged ends; a line that is not a valid end of this batch is counted, not used.</summary>
    public async Task<OutcomeLog> ReadLogAsync(string batchId, CancellationToken cancellationToken)
    {
        var outcomes = new List<JobOutcome>();
        var unreadable = 0;
        foreach (var name in await ListOutcomeLogsAsync(batchId, cancellationToken))
        {
            var response = await Container.GetBlobClient(name).DownloadStreamingAsync(cancellationToken: cancellationToken);
            using var reader = new StreamReader(response.Value.Content, Encoding.UTF8);
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.Length == 0)
                {
                    continue;
                }

                if (OutcomeReader.Read(Encoding.UTF8.GetBytes(line), fromLog: true).Outcome is { } outcome && outcome.BatchId == batchId)
                {
                    outcomes.Add(outcome);
                }
                else
                {
                    unreadable++;
                }
            }
        }

        return new OutcomeLog(outcomes, unreadable);
    }

    /// <summary>The batch's outcome log segments, in the order they were written.</summary>
    private async Task<IReadOnlyList<string>> ListOutcomeLogsAsync(string batchId, CancellationToken cancellationToken)
    {
        var prefix = $"{batchId}/outcomes.";
        var segments = new SortedDictionary<int, string>();
        await foreach (var item in Container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken))
        {
            // "jsonl" is the first segment; "{n}.jsonl" the ones after it.
            var rest = item.Name[prefix.Length..];
            if (rest == "jsonl")
            {
                segments[0] = item.Name;
            }
            else if (rest.EndsWith(".jsonl", StringComparison.Ordinal)
                && int.TryParse(rest[..^".jsonl".Length], NumberStyles.None, CultureInfo.InvariantCulture, out var segment))
            {
                segments[segment] = item.Name;
            }
        }

        return [.. segments.Values];
    }
}
