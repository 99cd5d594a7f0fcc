using ImageJobs.Contracts.Styles;

namespace ImageJobs.Contracts.Templates;

// A template as it travels in a version-2 job: resolved (placeholders filled with the row's values
// by the producer), so a worker needs nothing but the message and the pictures it names. Mapped to
// the renderer's Template in one place (ImageJobs.Rendering/Templates/JobTemplateMapping.cs); enum
// values travel as names. Name and version say which stored template the job was made from.

public sealed record JobTemplate(IReadOnlyList<JobLayer> Layers, JobOutput? Output = null, string? Name = null, int? Version = null)
{
    /// <summary>The uploaded faces of every family the text layers name (none for bundled families): what a worker fetches from the fonts container.</summary>
    public IReadOnlyList<JobFont>? Fonts { get; init; }
}

/// <summary>One uploaded face: the family a template names it by, and its blob in the fonts container (content-addressed: never changed, only deleted).</summary>
public sealed record JobFont(string Family, string Blob);

/// <summary>
/// One layer, flat: <see cref="Kind"/> (<c>text</c>, <c>image</c>, <c>qr</c>, <c>barcode</c>, <c>shape</c>)
/// says which of the kind-specific fields apply; the others are left out.
/// </summary>
public sealed record JobLayer(
    string Kind,
    string Name,
    JobTextBox? Box = null,
    string? Anchor = null,
    double? Opacity = null,
    bool? Visible = null,
    string? Text = null,
    bool? Markup = null,
    JobStyle? Style = null,
    string? ImageName = null,
    string? Fit = null,
    double? CornerRadius = null,
    string? Value = null,
    string? ErrorCorrection = null,
    string? Symbology = null,
    string? Color = null,
    string? Background = null,
    int? QuietZone = null,
    string? Shape = null,
    string? Fill = null,
    string? Stroke = null,
    double? StrokeWidth = null);

/// <summary>
/// What one row puts into one layer of its batch's template: the text of a text layer, the value
/// of a QR code or barcode, or the picture name of an image layer, placeholders filled.
/// </summary>
public sealed record JobFill(int Layer, string Value);
