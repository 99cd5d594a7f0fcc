using ImageJobs.Contracts.Templates;
using ImageJobs.Storage;
using Microsoft.Extensions.Caching.Memory;

namespace ImageJobs.Worker.Processing;

/// <summary>
/// The templates of the batches this worker is drawing: each read once (a batch's template never
/// changes) and kept for the next job of its batch, the most recently used few only. A read that
/// fails is not kept, so the job's retry reads again.
/// </summary>
public sealed class BatchTemplateCache(BatchTemplates templates) : IDisposable
{
    // Batches drawn at once by one worker: a few at most; each entry is one batch's template.
    private const int Capacity = 32;

    private static readonly TimeSpan KeptFor = TimeSpan.FromMinutes(10);

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = Capacity });

    /// <exception cref="ImageJobs.Contracts.JobFailedException">The batch has no stored template, or it is not one.</exception>
    public async Task<JobTemplate> GetAsync(string batchId, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue(batchId, out JobTemplate? cached))
        {
            return cached!;
        }

        var template = await templates.ReadAsync(batchId, cancellationToken);
        _cache.Set(batchId, template, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = KeptFor });
        return template;
    }

    public void Dispose() => _cache.Dispose();
}
