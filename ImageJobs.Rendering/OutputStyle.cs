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

    public static OutputStyle Default { get; } = new() { Format = OutputFormat.Source, Quality = null, Metadata = MetadataPolicy.Keep };

    public OutputStyle Over(OutputStyle fallback) => new()
    {
        Format = Format ?? fallback.Format,
        Quality = Quality ?? fallback.Quality,
        Metadata = Metadata ?? fallback.Metadata,
    };

    internal void Validate(StyleErrors errors)
    {
        errors.Defined("format", Format);
        errors.Defined("metadata", Metadata);
        if (Quality is < 1 or > 100)
        {
            errors.Add("quality", "must be between 1 and 100");
        }
    }
}
