using System.ComponentModel.DataAnnotations;
using Azure.Storage.Blobs;
using ImageJobs.Contracts;
using ImageJobs.Storage;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace ImageJobs.Worker.Processing;

/// <summary>How long a worker trusts a batch's control it read, bound from <c>Control</c>.</summary>
public sealed class BatchControlOptions
{
    public const string SectionName = "Control";

    /// <summary>
    /// A pause or cancel reaches every worker within this time: one read of a batch's control per
    /// worker per period, instead of one per job.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00", ErrorMessage = "Control:CacheFor must be between 0 and 1 minute.")]
    public TimeSpan CacheFor { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Batches whose control is kept at once: job messages are untrusted, and each may name another batch.</summary>
    [Range(1, 1_000_000, ErrorMessage = "Control:MaxBatches must be between 1 and 1,000,000.")]
    public int MaxBatches { get; set; } = 10_000;
}

/// <summary>
/// A batch's control (running, paused, cancelled) as the producer last wrote it, read through a
/// cache of bounded age and size. A read that fails throws: the job is then retried later, as when
/// its source cannot be downloaded.
/// </summary>
public sealed class BatchControlCache(BlobServiceClient blobs, IOptions<StorageOptions> storage, IOptions<BatchControlOptions> options) : IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = options.Value.MaxBatches });

    public async Task<BatchControlState> StateOfAsync(string batchId, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue<BatchControlState>(batchId, out var known))
        {
            return known;
        }

        var state = await blobs.GetBlobContainerClient(storage.Value.ControlsContainer).ReadControlStateAsync(batchId, cancellationToken);
        if (options.Value.CacheFor > TimeSpan.Zero)
        {
            _cache.Set(batchId, state, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = options.Value.CacheFor });
        }

        return state;
    }

    public void Dispose() => _cache.Dispose();
}
