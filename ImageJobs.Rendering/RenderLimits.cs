using System.ComponentModel.DataAnnotations;

namespace ImageJobs.Rendering;

/// <summary>Limits on untrusted input, bound from <c>Rendering:Limits</c>.</summary>
public sealed class RenderLimits
{
    public const string SectionName = "Rendering:Limits";

    [Range(1, 1L << 31)]
    public long MaxSourceBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>The default of <see cref="MaxPixels"/>.</summary>
    public const long DefaultMaxPixels = 100_000_000;

    /// <summary>Checked against the header before any pixel is decoded (sharp refuses above 268 MP, Pillow warns above 89 MP).</summary>
    [Range(1, 1L << 31)]
    public long MaxPixels { get; set; } = DefaultMaxPixels;

    [Range(1, 100_000)]
    public int MaxTextLength { get; set; } = 2_000;

    /// <summary>One uploaded font, as uploaded and as a worker downloads it (a CJK face is 5-20 MB).</summary>
    [Range(1_024, 256L * 1024 * 1024)]
    public long MaxFontBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>
    /// libvips worker threads per render (process-wide: libvips keeps it globally). 1 suits a
    /// worker that renders one job at a time; the render command sets it from --threads.
    /// </summary>
    [Range(1, 64)]
    public int CodecThreads { get; set; } = 1;
}
