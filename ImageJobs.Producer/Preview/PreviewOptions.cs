using System.ComponentModel.DataAnnotations;
using ImageJobs.Rendering;

namespace ImageJobs.Producer.Preview;

/// <summary>
/// What previews may cost the producer, bound from <c>Preview</c>. A preview decodes an untrusted
/// image inside the producer (which has 1 GiB in Azure), so it has limits of its own, tighter than
/// a worker's: it is decoded reduced, a few at a time, and given up on after a while.
/// </summary>
public sealed class PreviewOptions
{
    public const string SectionName = "Preview";

    /// <summary>The rate limiter policy of the preview endpoint.</summary>
    public const string ConcurrencyPolicy = "preview";

    /// <summary>Previews rendered at once; more are answered 429 with Retry-After.</summary>
    [Range(1, 64)]
    public int MaxConcurrent { get; set; } = 2;

    /// <summary>A preview not done by then is stopped and answered 503.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>A source blob or inline image.</summary>
    [Range(1, 1L << 31)]
    public long MaxSourceBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>The source's pixels, from its header, before anything is decoded.</summary>
    [Range(1, 1L << 31)]
    public long MaxSourcePixels { get; set; } = 100_000_000;

    /// <summary>The longest side a preview is decoded at (the page shows it smaller).</summary>
    [Range(64, 8192)]
    public int MaxEdge { get; set; } = 1600;

    /// <summary>Pixels of a format decoded whole before it is reduced (BMP): refused above this.</summary>
    [Range(4096, 1L << 28)]
    public long MaxDecodedPixels { get; set; } = 16_000_000;

    public PreviewLimits Limits => new(MaxSourcePixels, MaxEdge, MaxDecodedPixels);
}
