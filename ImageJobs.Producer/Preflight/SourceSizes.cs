using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ImageJobs.Contracts;
using ImageJobs.Rendering;
using ImageJobs.Rendering.Imaging;
using ImageJobs.Storage;
using Microsoft.Extensions.Options;

namespace ImageJobs.Producer.Preflight;

/// <summary>
/// Source images' sizes from their headers: each distinct source read once, only its first bytes
/// (a ranged download of 64 KiB, then 1 MiB for a header that did not fit, such as a JPEG with a
/// large EXIF or ICC block), never decoded. A few reads at once, so 40,000 distinct sources take
/// tens of seconds, while a batch drawn on one blank certificate costs one read.
/// </summary>
public sealed class SourceSizes(BlobServiceClient blobs, IOptions<StorageOptions> storage, IOptions<RenderLimits> limits)
{
    private const int FirstRead = 64 * 1024;
    private const int SecondRead = 1024 * 1024;
    private const int ReadsAtOnce = 8;

    public async Task<Dictionary<string, SourceSize>> ProbeAsync(IEnumerable<string> sources, CancellationToken cancellationToken)
    {
        var container = blobs.GetBlobContainerClient(storage.Value.SourcesContainer);
        var names = sources.Distinct(StringComparer.Ordinal).ToList();
        var sizes = new SourceSize[names.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, names.Count), new ParallelOptions { MaxDegreeOfParallelism = ReadsAtOnce, CancellationToken = cancellationToken },
            async (i, token) => sizes[i] = await ProbeAsync(container.GetBlobClient(names[i]), token));
        return names.Zip(sizes).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
    }

    private async Task<SourceSize> ProbeAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            var (start, total) = await ReadStartAsync(blob, FirstRead, cancellationToken);
            if (total > limits.Value.MaxSourceBytes)
            {
                throw JobFailedException.SourceTooLarge(total, limits.Value.MaxSourceBytes);
            }

            try
            {
                return Probe(start);
            }
            catch (JobFailedException ex) when (ex.Code == ErrorCodes.CorruptImage && total > start.Length)
            {
                return Probe((await ReadStartAsync(blob, SecondRead, cancellationToken)).Start);
            }
        }
        catch (JobFailedException ex)
        {
            return SourceSize.Failed(ex.Code, ex.Message);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return SourceSize.Failed(ErrorCodes.SourceNotFound, $"'{blob.Name}' is not in container '{blob.BlobContainerName}'.");
        }
        catch (RequestFailedException ex) when (ex.Status == 416)
        {
            return SourceSize.Failed(ErrorCodes.EmptySource, "The source image is empty (0 bytes).");
        }
    }

    private SourceSize Probe(ReadOnlyMemory<byte> start)
    {
        var (width, height) = SourceImage.Probe(start, limits.Value);
        return new SourceSize(width, height);
    }

    /// <summary>At most <paramref name="count"/> bytes from the blob's start, and the blob's whole length.</summary>
    private static async Task<(ReadOnlyMemory<byte> Start, long Total)> ReadStartAsync(BlobClient blob, int count, CancellationToken cancellationToken)
    {
        var response = await blob.DownloadStreamingAsync(new BlobDownloadOptions { Range = new HttpRange(0, count) }, cancellationToken);
        await using var content = response.Value.Content;
        var details = response.Value.Details;
        var total = details.ContentRange is { } range && range.LastIndexOf('/') is var slash and >= 0
            && long.TryParse(range.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var whole)
            ? whole
            : details.ContentLength;
        var buffer = new byte[Math.Min(count, details.ContentLength)];
        await content.ReadExactlyAsync(buffer, cancellationToken);
        return (buffer, total);
    }
}
