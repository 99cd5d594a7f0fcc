using ImageJobs.Contracts;
using ImageJobs.Contracts.Styles;

namespace ImageJobs.Rendering;

/// <summary>
/// The one place where the wire's <see cref="JobStyle"/> meets the renderer's <see cref="TextStyle"/>.
/// A name the renderer does not know (an enum value from a newer producer, or a forged message)
/// is refused with <see cref="ErrorCodes.InvalidStyle"/> naming its field.
/// </summary>
public static class JobStyleMapping
{
    public static JobStyle ToContract(this TextStyle style) => new(
        style.FontSizeRatio, style.MinFontSizeRatio, style.AutoFit, style.FontFamily, style.Bold,
        style.Color, style.OutlineColor, style.OutlineRatio, style.Opacity, style.LineSpacing,
        style.Align?.ToString(), style.Anchor?.ToString(), style.OffsetX, style.OffsetY, style.Overflow?.ToString(),
        style.Box.ToContract(),
        style.Shadow is { } shadow ? new JobShadow(shadow.Color, shadow.OffsetX, shadow.OffsetY, shadow.Blur) : null,
        style.Background is { } background ? new JobBackground(background.Color, background.Padding, background.CornerRadius) : null,
        style.Output.ToContract(),
        style.MaxLines,
        style.LetterSpacing,
        style.FontWeight,
        style.Italic);

    /// <exception cref="JobFailedException">An enum field names no value the renderer knows.</exception>
    public static TextStyle ToTextStyle(this JobStyle style) => new()
    {
        FontSizeRatio = style.FontSizeRatio,
        MinFontSizeRatio = style.MinFontSizeRatio,
        AutoFit = style.AutoFit,
        FontFamily = style.FontFamily,
        Bold = style.Bold,
        FontWeight = style.FontWeight,
        Italic = style.Italic,
        Color = style.Color,
        OutlineColor = style.OutlineColor,
        OutlineRatio = style.OutlineRatio,
        Opacity = style.Opacity,
        LineSpacing = style.LineSpacing,
        Align = Parse<TextAlignment>(style.Align, "align"),
        Anchor = Parse<Anchor>(style.Anchor, "anchor"),
        OffsetX = style.OffsetX,
        OffsetY = style.OffsetY,
        Overflow = Parse<OverflowPolicy>(style.Overflow, "overflow"),
        MaxLines = style.MaxLines,
        LetterSpacing = style.LetterSpacing,
        Box = style.Box is { } box
            ? new TextBoxStyle { Unit = Parse<BoxUnit>(box.Unit, "box.unit"), X = box.X, Y = box.Y, Width = box.Width, Height = box.Height }
            : null,
        Shadow = style.Shadow is { } shadow
            ? new ShadowStyle { Color = shadow.Color, OffsetX = shadow.OffsetX, OffsetY = shadow.OffsetY, Blur = shadow.Blur }
            : null,
        Background = style.Background is { } background
            ? new BackgroundStyle { Color = background.Color, Padding = background.Padding, CornerRadius = background.CornerRadius }
            : null,
        Output = style.Output is { } output
            ? new OutputStyle
            {
                Format = Parse<OutputFormat>(output.Format, "output.format"),
                Quality = output.Quality,
                Metadata = Parse<MetadataPolicy>(output.Metadata, "output.metadata"),
                Resize = output.Resize is { } resize ? new ResizeStyle { Width = resize.Width, Height = resize.Height } : null,
                Path = Parse<RenderPath>(output.Path, "output.path"),
            }
            : null,
    };

    private static T? Parse<T>(string? name, string field)
        where T : struct, Enum =>
        name is null ? null
        : TryParse<T>(name) ?? throw new JobFailedException(ErrorCodes.InvalidStyle, $"The style's {field} '{Truncate(name)}' is not one of: {string.Join(", ", Enum.GetNames<T>())}.");

    /// <summary>The enum value with exactly this name (no numbers, no other case), or null.</summary>
    internal static T? TryParse<T>(string name)
        where T : struct, Enum =>
        name.Length > 0 && Enum.TryParse<T>(name, ignoreCase: false, out var value) && Enum.IsDefined(value) && !char.IsAsciiDigit(name[0]) ? value : null;

    internal static JobTextBox? ToContract(this TextBoxStyle? box) =>
        box is null ? null : new JobTextBox(box.Unit?.ToString(), box.X, box.Y, box.Width, box.Height);

    internal static JobOutput? ToContract(this OutputStyle? output) =>
        output is null ? null : new JobOutput(output.Format?.ToString(), output.Quality, output.Metadata?.ToString(),
            output.Resize is { } resize ? new JobResize(resize.Width, resize.Height) : null, output.Path?.ToString());

    internal static string Truncate(string name) => name.Length > 40 ? name[..40] + "..." : name;
}
