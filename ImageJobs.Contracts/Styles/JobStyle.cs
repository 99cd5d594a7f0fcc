namespace ImageJobs.Contracts.Styles;

// The style as it travels in a job message: the wire's own shape, mapped to the renderer's
// TextStyle in one place (ImageJobs.Rendering/JobStyleMapping.cs). Enum values travel as their
// names, so a renderer enum can change without changing what older workers read. Every field is
// optional: a missing one means the renderer's default.

public sealed record JobStyle(
    double? FontSizeRatio = null,
    double? MinFontSizeRatio = null,
    bool? AutoFit = null,
    string? FontFamily = null,
    bool? Bold = null,
    string? Color = null,
    string? OutlineColor = null,
    double? OutlineRatio = null,
    double? Opacity = null,
    double? LineSpacing = null,
    string? Align = null,
    string? Anchor = null,
    double? OffsetX = null,
    double? OffsetY = null,
    string? Overflow = null,
    JobTextBox? Box = null,
    JobShadow? Shadow = null,
    JobBackground? Background = null,
    JobOutput? Output = null,
    int? MaxLines = null,
    double? LetterSpacing = null,
    int? FontWeight = null,
    bool? Italic = null);

public sealed record JobTextBox(string? Unit = null, double? X = null, double? Y = null, double? Width = null, double? Height = null);

public sealed record JobShadow(string? Color = null, double? OffsetX = null, double? OffsetY = null, double? Blur = null);

public sealed record JobBackground(string? Color = null, double? Padding = null, double? CornerRadius = null);

/// <param name="Resize">A template's only (job schema version 4): the result fitted within a box, never enlarged.</param>
/// <param name="Path">How a JPEG result is made (Auto, Full, Blocks). A worker that does not know it makes it the full way: the
/// same picture, so no new schema version.</param>
public sealed record JobOutput(string? Format = null, int? Quality = null, string? Metadata = null, JobResize? Resize = null, string? Path = null);

/// <summary>The box a result is fitted within, in pixels; either side may be left out (no bound on it).</summary>
public sealed record JobResize(int? Width = null, int? Height = null);
