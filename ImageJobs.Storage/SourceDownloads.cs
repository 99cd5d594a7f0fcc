using Azure;
using Azure.Storage.Blobs;
using ImageJobs.Contracts;

namespace ImageJobs.Storage;

public static class SourceDownloads
{
    /// <summary>
    /// A source image's bytes in one request: the size comes with the response headers, so a
    /// source over <paramref name="maxBytes"/> is refused before its body is read.
    /// </summary>
    /// <exception cref="JobFailedException">The source is over the limit.</exception>
    public static async Task<ReadOnlyMemory<byte>> DownloadSourceAsync(this BlobClient blob, long maxBytes, CancellationToken cancellationToken)
    {
        var response = await blob.DownloadStreamingAsync(cancellationToken: cancellationToken);
        await using var content = response.Value.Content;
        var length = response.Value.Details.ContentLength;
        if (length > maxBytes)
        {
            throw JobFailedException.SourceTooLarge(length, maxBytes);
        }

        var buffer = new byte[length];
        await content.ReadExactlyAsync(buffer, cancellationToken);
        return buffer;
    }

    /// <summary>
    /// The pictures a template names, from <paramref name="container"/>, each by the bounded download;
    /// together they may not exceed <paramref name="maxBytes"/>.
    /// </summary>
    /// <exception cref="JobFailedException">A picture is missing (<c>template.image_missing</c>) or over the budget.</exception>
    public static async Task<Dictionary<string, ReadOnlyMemory<byte>>> DownloadPicturesAsync(this BlobContainerClient container, IEnumerable<string> names,
        long maxBytes, CancellationToken cancellationToken)
    {
        var pictures = new Dictionary<string, ReadOnlyMemory<byte>>(StringComparer.Ordinal);
        var budget = maxBytes;
        foreach (var name in names.Distinct(StringComparer.Ordinal))
        {
            try
            {
                var bytes = await container.GetBlobClient(name).DownloadSourceAsync(budget, cancellationToken);
                budget -= bytes.Length;
                pictures[name] = bytes;
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                throw new JobFailedException(ErrorCodes.TemplateImageMissing, $"The picture '{name}' that an image layer names does not exist in the sources container.", ex);
            }
        }

        return pictures;
    }
}
