using System.ComponentModel.DataAnnotations;

namespace ImageJobs.Producer.Sources;

/// <summary>Limits on uploads of source images, bound from <c>Uploads</c>: every size a client controls is bounded.</summary>
public sealed class UploadLimits
{
    public const string SectionName = "Uploads";

    /// <summary>The rate limiter policy of the upload and manifest endpoints.</summary>
    public const string ConcurrencyPolicy = "uploads";

    /// <summary>One upload request, all parts together.</summary>
    [Range(1, long.MaxValue)]
    public long MaxRequestBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>One image, uploaded alone or inside a zip (as the worker's source limit).</summary>
    [Range(1, long.MaxValue)]
    public long MaxFileBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Files in one request, zip entries included.</summary>
    [Range(1, 1_000_000)]
    public int MaxFiles { get; set; } = 20_000;

    /// <summary>One zip as uploaded (it is spooled to a temporary file to be read); at most <see cref="MaxSpoolBytes"/>.</summary>
    [Range(1, long.MaxValue)]
    public long MaxZipBytes { get; set; } = 1L * 1024 * 1024 * 1024;

    /// <summary>Temporary disk all uploads in progress may use together (a replica in Azure has 2 GiB).</summary>
    [Range(1, long.MaxValue)]
    public long MaxSpoolBytes { get; set; } = 1536L * 1024 * 1024;

    /// <summary>Uploads and manifests read at once; more are answered 429 with Retry-After.</summary>
    [Range(1, 256)]
    public int MaxConcurrentUploads { get; set; } = 4;

    /// <summary>Bytes of a zip's central directory (records, names, comments): it is read before any entry.</summary>
    [Range(1, int.MaxValue)]
    public int MaxZipDirectoryBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>All entries of one zip once uncompressed: a zip bomb stops here.</summary>
    [Range(1, long.MaxValue)]
    public long MaxZipUncompressedBytes { get; set; } = 8L * 1024 * 1024 * 1024;

    /// <summary>A manifest (CSV or JSON Lines).</summary>
    [Range(1, int.MaxValue)]
    public int MaxManifestBytes { get; set; } = 32 * 1024 * 1024;
}
