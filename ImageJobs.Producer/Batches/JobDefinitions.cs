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

    /// <summary>A job's message: one serialization for the broker and for the stored definition.</summary>
    public static ReadOnlyMemory<byte> Message(RenderJob job) => JsonSerializer.SerializeToUtf8Bytes(job, JobJson.Default.RenderJob);

    /// <summary>Stores the messages <paramref name="writer"/> gathered as the batch's definition.</summary>
    public async Task SaveAsync(string batchId, JobDefinitionWriter writer, CancellationToken cancellationToken)
    {
        // One upload, visible only once whole: a crash mid-write leaves no definition, not a partial one.
        await Blob(batchId).UploadAsync(writer.Complete(), overwrite: true, cancellationToken);
    }

    public async Task SaveAsync(string batchId, IReadOnlyList<RenderJob> jobs, CancellationToken cancellationToken)
    {
        using var writer = new JobDefinitionWriter();
        writer.AddFrom(jobs);
        await SaveAsync(batchId, writer, cancellationToken);
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

/// <summary>
/// A batch's job messages compressed as they are published, so that each is serialized once; the
/// compressed lines are a few percent of the messages' size, held in memory until stored.
/// </summary>
public sealed class JobDefinitionWriter : IDisposable
{
    private readonly MemoryStream _compressed = new();
    private readonly GZipStream _gzip;

    public JobDefinitionWriter() => _gzip = new GZipStream(_compressed, CompressionLevel.Fastest, leaveOpen: true);

    /// <summary>The jobs added so far, in job order.</summary>
    public int Count { get; private set; }

    public void Add(ReadOnlySpan<byte> message)
    {
        _gzip.Write(message);
        _gzip.WriteByte((byte)'\n');
        Count++;
    }

    /// <summary>Adds the jobs of <paramref name="jobs"/> not added yet (those after <see cref="Count"/>).</summary>
    public void AddFrom(IReadOnlyList<RenderJob> jobs)
    {
        for (var i = Count; i < jobs.Count; i++)
        {
            Add(JobDefinitions.Message(jobs[i]).Span);
        }
    }

    /// <summary>The gzipped lines, from the start; nothing can be added after.</summary>
    public Stream Complete()
    {
        _gzip.Dispose();
        _compressed.Position = 0;
        return _compressed;
    }

    public void Dispose()
    {
        _gzip.Dispose();
        _compressed.Dispose();
    }
}
