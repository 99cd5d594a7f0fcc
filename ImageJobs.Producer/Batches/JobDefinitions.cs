using System.Buffers;
using System.IO.Compression;
using System.IO.Pipelines;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using ImageJobs.Contracts;
using ImageJobs.Storage;
using Microsoft.Extensions.Options;

namespace ImageJobs.Producer.Batches;

/// <summary>Stored job messages read back for a republish, by index, and why the others could not be.</summary>
public sealed record DefinedJobs(IReadOnlyDictionary<int, ReadOnlyMemory<byte>> Jobs, string? Problem);

/// <summary>
/// A batch's job messages as published, kept so that jobs the broker loses can be published
/// again exactly as they were (not planned again: a prefix's listing may have changed since):
/// one gzipped JSON Lines blob per batch, <c>{batchId}/jobs.jsonl.gz</c> in the batches
/// container, a line per job in job order. Read back as untrusted: each line is bounded and
/// checked to be a valid job of that batch at that index.
/// </summary>
public sealed class JobDefinitions(BlobServiceClient blobs, IOptions<StorageOptions> storage)
{
    /// <summary>The longest line accepted: far above any valid job (a caption is at most a few KB).</summary>
    public const int MaxJobBytes = 1024 * 1024;

    private BlobClient Blob(string batchId) =>
        blobs.GetBlobContainerClient(storage.Value.BatchesContainer).GetBlobClient($"{batchId}/jobs.jsonl.gz");

    public async Task SaveAsync(string batchId, IReadOnlyList<RenderJob> jobs, CancellationToken cancellationToken)
    {
        // Written whole before it becomes visible: a crash mid-write leaves no definition, not a partial one.
        await using var blob = await Blob(batchId).OpenWriteAsync(overwrite: true, cancellationToken: cancellationToken);
        await using var gzip = new GZipStream(blob, CompressionLevel.Fastest);
        foreach (var job in jobs)
        {
            await gzip.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(job, JobJson.Default.RenderJob), cancellationToken);
            gzip.WriteByte((byte)'\n');
        }
    }

    public async Task DeleteAsync(string batchId, CancellationToken cancellationToken) =>
        await Blob(batchId).DeleteIfExistsAsync(cancellationToken: cancellationToken);

    /// <summary>The stored messages of the jobs <paramref name="wanted"/> (indexes of a batch of <paramref name="total"/>), as published.</summary>
    public async Task<DefinedJobs> ReadAsync(string batchId, int total, IReadOnlySet<int> wanted, CancellationToken cancellationToken)
    {
        var jobs = new Dictionary<int, ReadOnlyMemory<byte>>();
        Stream content;
        try
        {
            content = (await Blob(batchId).DownloadStreamingAsync(cancellationToken: cancellationToken)).Value.Content;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return new DefinedJobs(jobs, "the batch has no stored definition (submitted before definitions were kept, or storing it failed)");
        }

        await using (content)
        {
            var reader = PipeReader.Create(new GZipStream(content, CompressionMode.Decompress));
            try
            {
                return new DefinedJobs(jobs, await ReadLinesAsync(reader, batchId, total, wanted, jobs, cancellationToken));
            }
            catch (InvalidDataException ex)
            {
                return new DefinedJobs(jobs, $"the batch's stored definition is not readable: {ex.Message}");
            }
            finally
            {
                await reader.CompleteAsync();
            }
        }
    }

    /// <summary>Collects the wanted lines into <paramref name="jobs"/>; returns what is wrong with the definition, or null.</summary>
    private static async Task<string?> ReadLinesAsync(PipeReader reader, string batchId, int total, IReadOnlySet<int> wanted,
        Dictionary<int, ReadOnlyMemory<byte>> jobs, CancellationToken cancellationToken)
    {
        var index = 0;
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken);
            var buffer = read.Buffer;
            while (buffer.PositionOf((byte)'\n') is { } end)
            {
                if (index >= total)
                {
                    return $"the batch's stored definition holds more than its {total} jobs";
                }

                if (wanted.Contains(index))
                {
                    var line = buffer.Slice(0, end).ToArray();
                    if (Problem(line, batchId, index) is { } problem)
                    {
                        return $"the batch's stored definition of job {index} {problem}";
                    }

                    jobs[index] = line;
                }

                index++;
                buffer = buffer.Slice(buffer.GetPosition(1, end));
            }

            if (buffer.Length > MaxJobBytes)
            {
                return $"the batch's stored definition of job {index} is longer than {MaxJobBytes} bytes";
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            if (read.IsCompleted)
            {
                return buffer.Length > 0 || index < total ? $"the batch's stored definition holds {index} of its {total} jobs" : null;
            }
        }
    }

    private static string? Problem(byte[] line, string batchId, int index)
    {
        try
        {
            var job = JobMessageReader.Read(line);
            return job.BatchId == batchId && job.Index == index && job.JobId == JobPlanner.JobId(batchId, index)
                ? null
                : "names another job";
        }
        catch (JobFailedException ex)
        {
            return $"is no valid job: {ex.Message}";
        }
    }
}
