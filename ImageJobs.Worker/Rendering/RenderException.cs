namespace ImageJobs.Worker.Rendering;

/// <summary>Stable error codes for input the renderer refuses; they end up on the job's failure.</summary>
public static class RenderErrorCodes
{
    public const string EmptySource = "source.empty";
    public const string SourceTooLarge = "source.too_large";
    public const string TooManyPixels = "image.too_many_pixels";
    public const string UnsupportedFormat = "image.unsupported_format";
    public const string CorruptImage = "image.corrupt";
    public const string TextTooLong = "text.too_long";
    public const string InvalidStyle = "style.invalid";
}

/// <summary>The input cannot be rendered, and trying again will not change that.</summary>
public sealed class RenderException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
