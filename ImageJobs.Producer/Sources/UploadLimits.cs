using System.ComponentModel.DataAnnotations;

namespace ImageJobs.Producer.Sources;

/// <summary>Limits on uploads of source images, bound from <c>Uploads</c>: every size a client controls is bounded.</summary>
public sealed class UploadLimits
{
    public const string SectionName = "Uploads";

    /// <summary>One upload request, all parts together.</summary>
    [Range(1, long.MaxValue)]
    public long MaxRequestBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>One image, uploaded alone or inside a zip (as the worker's source limit).</summary>
    [Range(1, long.MaxValue)]
    public long MaxFileBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Files in one request, zip entries included.</summary>
    [Range(1, 1_000_000)]
    public int MaxFiles { get; set; } = 20_000;

    /// <summary>One zip as uploaded (it is spooled to a temporary file to be read).</summary>
    [Range(1, long.MaxValue)]
    public long MaxZipBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>All entries of one zip once uncompressed: a zip bomb stops here.</summary>
    [Range(1, long.MaxValue)]
    public long MaxZipUncompressedBytes { get; set; } = 8L * 1024 * 1024 * 1024;

    /// <summary>A manifest (CSV or JSON Lines).</summary>
    [Range(1, int.MaxValue)]
    public int MaxManifestBytes { get; set; } = 32 * 1024 * 1024;
}
