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
}
