using System.Globalization;

namespace ImageJobs.Rendering;

/// <summary>
/// The result's encoding. Quality applies to JPEG and WebP; unset, a JPEG source's own quality
/// (estimated from its quantisation tables) is kept, and other sources get <see cref="FallbackQuality"/>.
/// </summary>
public sealed record OutputStyle
{
    /// <summary>The quality when neither the style nor the source says (PNG, GIF, BMP or WebP sources).</summary>
    public const int FallbackQuality = 90;

    public OutputFormat? Format { get; init; }

    /// <summary>1 to 100; null: the source's own.</summary>
    public int? Quality { get; init; }

    public MetadataPolicy? Metadata { get; init; }

    /// <summary>A template's: the result fitted within this box, never enlarged (null: the source's size).</summary>
    public ResizeStyle? Resize { get; init; }

    /// <summary>Full or Blocks forces that path (for comparisons); Auto (the default) takes Blocks where it can.</summary>
    public RenderPath? Path { get; init; }

    public static OutputStyle Default { get; } = new() { Format = OutputFormat.Source, Quality = null, Metadata = MetadataPolicy.Keep, Path = RenderPath.Auto };

    public OutputStyle Over(OutputStyle fallback) => new()
    {
        Format = Format ?? fallback.Format,
        Quality = Quality ?? fallback.Quality,
        Metadata = Metadata ?? fallback.Metadata,
        Resize = Resize ?? fallback.Resize,
        Path = Path ?? fallback.Path,
    };

    internal void Validate(StyleErrors errors)
    {
        errors.Defined("format", Format);
        errors.Defined("metadata", Metadata);
        errors.Defined("path", Path);
        if (Quality is < 1 or > 100)
        {
            errors.Add("quality", "must be between 1 and 100");
        }

        Resize?.Validate(errors.Under("resize"));
    }
}

/// <summary>
/// The box a result is fitted within, in pixels, keeping its proportions and never enlarging it;
/// a side left out is not bounded. Done in the codec (libvips shrinks on load, then reduces), before
/// the layers are placed: a box in percent is of the resized image, a box in pixels (and every
/// other pixel size) is of the source and scales with it, so a template looks the same at any size.
/// </summary>
public sealed record ResizeStyle
{
    /// <summary>The largest box accepted: the default pixel limit (<see cref="RenderLimits.DefaultMaxPixels"/>); a result is never larger than its source.</summary>
    public const long MaxPixels = RenderLimits.DefaultMaxPixels;

    public int? Width { get; init; }

    public int? Height { get; init; }

    internal void Validate(StyleErrors errors)
    {
        if (Width is null && Height is null)
        {
            errors.Add("width", "give a width, a height or both");
            return;
        }

        errors.Range("width", Width, 1, MaxPixels);
        errors.Range("height", Height, 1, MaxPixels);
        if ((long)(Width ?? 1) * (Height ?? 1) > MaxPixels)
        {
            errors.Add("width", string.Create(CultureInfo.InvariantCulture, $"width x height must be at most {MaxPixels:N0} pixels"));
        }
    }
}
