using System.ComponentModel.DataAnnotations;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Azure;
using Azure.Storage.Blobs;
using ImageJobs.Contracts;
using ImageJobs.Contracts.Templates;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace ImageJobs.Storage;

/// <summary>How many bytes of uploaded fonts a service keeps in memory, bound from <c>FontCache</c>.</summary>
public sealed class FontCacheOptions
{
    public const string SectionName = "FontCache";

    /// <summary>Font bytes kept (least recently used go first); a font larger than this is fetched for every job that needs it.</summary>
    [Range(1L << 20, 16L << 30)]
    public long MaxBytes { get; set; } = 256L << 20;
}

/// <summary>
/// The uploaded fonts a job names, from the fonts container, kept in a bounded cache. A font's blob
/// is named by the SHA-256 of its bytes (<see cref="NameFor"/>), so a cached copy can never be stale,
/// and a download whose bytes do not hash to its name is refused.
/// </summary>
public sealed partial class FontFiles(BlobServiceClient blobs, IOptions<StorageOptions> storage, IOptions<FontCacheOptions> options) : IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = options.Value.MaxBytes });

    /// <summary>The blob name of a font's bytes: their SHA-256 in lowercase hex, and its extension.</summary>
    public static string NameFor(ReadOnlySpan<byte> data, string extension) =>
        Convert.ToHexStringLower(SHA256.HashData(data)) + "." + extension;

    /// <summary>Whether <paramref name="name"/> is a font blob's name as <see cref="NameFor"/> makes them.</summary>
    public static bool IsFontName(string? name) => name is not null && FontName().IsMatch(name);

    /// <summary>Faces one job may name (a message is untrusted: each face costs a download and a parse).</summary>
    public const int MaxFacesPerJob = 64;

    /// <summary>Each face's family and bytes, from the cache or the fonts container; all of them together at most four fonts' limit.</summary>
    /// <exception cref="JobFailedException"><see cref="ErrorCodes.FontMissing"/>: a face is not (or no longer) in the container;
    /// <see cref="ErrorCodes.InvalidFont"/>: too many faces, over <paramref name="maxBytes"/> (or together over the budget), or bytes that do not match the name.</exception>
    public async Task<IReadOnlyList<(string Family, ReadOnlyMemory<byte> Data)>> FetchAsync(IReadOnlyList<JobFont> fonts, long maxBytes, CancellationToken cancellationToken)
    {
        if (fonts.Count > MaxFacesPerJob)
        {
            throw new JobFailedException(ErrorCodes.InvalidFont, $"The job names {fonts.Count} font faces, more than {MaxFacesPerJob}.");
        }

        var budget = 4 * maxBytes;
        var faces = new List<(string, ReadOnlyMemory<byte>)>(fonts.Count);
        foreach (var font in fonts)
        {
            if (!IsFontName(font.Blob))
            {
                throw new JobFailedException(ErrorCodes.FontMissing, $"The font blob name of family '{Shorten(font.Family)}' is refused: not a font's content name.");
            }

            if (!_cache.TryGetValue(font.Blob, out byte[]? data))
            {
                data = await DownloadAsync(font, maxBytes, cancellationToken);
                _cache.Set(font.Blob, data, new MemoryCacheEntryOptions { Size = data.Length });
            }

            budget -= data!.Length;
            if (budget < 0)
            {
                throw new JobFailedException(ErrorCodes.InvalidFont, $"The job's font faces together are larger than {4 * maxBytes:N0} bytes.");
            }

            faces.Add((font.Family, data));
        }

        return faces;
    }

    private async Task<byte[]> DownloadAsync(JobFont font, long maxBytes, CancellationToken cancellationToken)
    {
        var blob = blobs.GetBlobContainerClient(storage.Value.FontsContainer).GetBlobClient(font.Blob);
        ReadOnlyMemory<byte> bytes;
        try
        {
            bytes = await blob.DownloadSourceAsync(maxBytes, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new JobFailedException(ErrorCodes.FontMissing,
                $"A face of the font family '{Shorten(font.Family)}' ({font.Blob}) is not in the fonts container: deleted after the batch was submitted?", ex);
        }
        catch (JobFailedException ex) when (ex.Code == ErrorCodes.SourceTooLarge)
        {
            throw new JobFailedException(ErrorCodes.InvalidFont, $"A face of the font family '{Shorten(font.Family)}' is larger than the font limit of {maxBytes:N0} bytes.", ex);
        }

        if (NameFor(bytes.Span, font.Blob[(font.Blob.LastIndexOf('.') + 1)..]) != font.Blob)
        {
            throw new JobFailedException(ErrorCodes.InvalidFont, $"The font blob {font.Blob} does not hold the bytes its name says: it was changed outside the producer.");
        }

        return MemoryMarshal.TryGetArray(bytes, out var array) && array.Offset == 0 && array.Count == array.Array!.Length ? array.Array : bytes.ToArray();
    }

    private static string Shorten(string family) => family.Length > 40 ? family[..40] + "..." : family;

    [GeneratedRegex("^[0-9a-f]{64}\\.(ttf|otf)$")]
    private static partial Regex FontName();

    public void Dispose() => _cache.Dispose();
}
