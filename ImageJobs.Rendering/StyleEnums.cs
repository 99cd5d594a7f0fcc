using System.Text.Json.Serialization;

namespace ImageJobs.Rendering;

// Each enum carries its converter, so it is a string in every JSON context (the job message's
// source-generated one and the producer's minimal-API defaults alike).

/// <summary>Where the text block sits inside its box: one of nine points.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Anchor>))]
public enum Anchor
{
    TopLeft,
    TopCenter,
    TopRight,
    MiddleLeft,
    Center,
    MiddleRight,
    BottomLeft,
    BottomCenter,
    BottomRight,
}

/// <summary>How lines are aligned against each other inside the text block.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TextAlignment>))]
public enum TextAlignment
{
    Left,
    Center,
    Right,
}

/// <summary>What happens when the text does not fit the box even at the smallest size.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OverflowPolicy>))]
public enum OverflowPolicy
{
    /// <summary>Keep the lines that fit and end the last one with an ellipsis.</summary>
    Ellipsis,

    /// <summary>Refuse the job with <see cref="ErrorCodes.TextOverflow"/>.</summary>
    Fail,
}

[JsonConverter(typeof(JsonStringEnumConverter<BoxUnit>))]
public enum BoxUnit
{
    /// <summary>Percent of the (oriented) image's width or height.</summary>
    Percent,
    Pixels,
}

[JsonConverter(typeof(JsonStringEnumConverter<OutputFormat>))]
public enum OutputFormat
{
    /// <summary>The source's format (GIF and BMP sources give PNG: we do not write those).</summary>
    Source,
    Jpeg,
    Png,
    Webp,
}

/// <summary>Which of the source's metadata the result keeps. The colour profile is always kept: the pixels need it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MetadataPolicy>))]
public enum MetadataPolicy
{
    /// <summary>EXIF (orientation reset to 1 once applied), XMP, IPTC and the ICC profile.</summary>
    Keep,

    /// <summary>As Keep, without location: EXIF's GPS block, and XMP when it holds GPS data.</summary>
    StripLocation,

    /// <summary>Only the ICC profile.</summary>
    StripAll,
}

/// <summary>
/// How a JPEG result is made. Full: decoded, drawn and encoded whole. Blocks: only the 8x8 blocks
/// under the layers are computed again, in the source's own coefficients (Imaging/Jpeg/); every
/// other block is kept as it was. Auto takes Blocks when the source and the output allow it.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<RenderPath>))]
public enum RenderPath
{
    Auto,
    Full,
    Blocks,
}
