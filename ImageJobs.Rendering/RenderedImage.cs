namespace ImageJobs.Rendering;

/// <summary>An encoded result image, and how it was made.</summary>
/// <param name="Path">Full or Blocks (never Auto).</param>
/// <param name="FullPathReason">Why a full-path result did not take the Blocks path (null: it was not considered, or it did).</param>
public sealed record RenderedImage(ReadOnlyMemory<byte> Data, ImageFormat Format, int Width, int Height,
    RenderPath Path = RenderPath.Full, string? FullPathReason = null)
{
    public string ContentType => Format.ContentType;
}

/// <summary>The formats we read and write, with their content type and file extension.</summary>
public sealed record ImageFormat(string Name, string ContentType, string Extension)
{
    public static readonly ImageFormat Jpeg = new("jpeg", "image/jpeg", ".jpg");
    public static readonly ImageFormat Png = new("png", "image/png", ".png");
    public static readonly ImageFormat Webp = new("webp", "image/webp", ".webp");

    /// <summary>
    /// <paramref name="name"/> with an extension that says this format: kept when it already
    /// does (.jpg and .jpeg alike), else replaced or added (a GIF source's PNG result is "x.png").
    /// </summary>
    public string NameFor(string name)
    {
        var extension = Path.GetExtension(name);
        var matches = extension.Equals(Extension, StringComparison.OrdinalIgnoreCase)
            || (this == Jpeg && extension.Equals(".jpeg", StringComparison.OrdinalIgnoreCase));
        return matches ? name : name[..^extension.Length] + Extension;
    }
}
