using System.Globalization;

namespace ImageJobs.Worker.Rendering;

/// <summary>Stable error codes for input the renderer refuses; they end up on the job's failure.</summary>
public static class RenderErrorCodes
{
    public const string EmptySource = "source.empty";
    public const string SourceTooLarge = "source.too_large";
    public const string TooManyPixels = "image.too_many_pixels";

    /// <summary>A recognised image format that is not on the allow-list (e.g. ICO, WBMP, HEIF).</summary>
    public const string UnsupportedFormat = "image.unsupported_format";

    /// <summary>The bytes are not an image at all (text, HTML, a PDF with an image name...).</summary>
    public const string NotAnImage = "image.not_an_image";

    public const string CorruptImage = "image.corrupt";
    public const string TruncatedImage = "image.truncated";
    public const string TextTooLong = "text.too_long";

    /// <summary>The text does not fit its box even at the smallest size, and the style's overflow policy is <c>Fail</c>.</summary>
    public const string TextOverflow = "text.overflow";

    public const string InvalidStyle = "style.invalid";
}

/// <summary>The input cannot be rendered, and trying again will not change that.</summary>
public sealed class RenderException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;

    /// <summary>A source over the size limit: refused from its size alone, before its bytes are read.</summary>
    public static RenderException SourceTooLarge(long bytes, long limit) => new(RenderErrorCodes.SourceTooLarge,
        string.Create(CultureInfo.InvariantCulture, $"The source image is {bytes:N0} bytes, more than the limit of {limit:N0}."));
}
