namespace ImageJobs.Worker.Rendering;

/// <summary>
/// How the caption looks. Every property is optional: a null means the default, so a batch
/// style and a per-image override can be merged property by property.
/// </summary>
public sealed record TextStyle
{
    /// <summary>Font size as a fraction of the image height.</summary>
    public double? FontSizeRatio { get; init; }

    /// <summary>#RRGGBB or #RRGGBBAA.</summary>
    public string? Color { get; init; }

    public string? OutlineColor { get; init; }

    /// <summary>Outline width as a fraction of the font size.</summary>
    public double? OutlineRatio { get; init; }

    public static TextStyle Default { get; } = new()
    {
        FontSizeRatio = 0.08,
        Color = "#FFFFFF",
        OutlineColor = "#000000",
        OutlineRatio = 0.12,
    };

    /// <summary>This style's values where set, <paramref name="fallback"/>'s elsewhere.</summary>
    public TextStyle Over(TextStyle fallback) => new()
    {
        FontSizeRatio = FontSizeRatio ?? fallback.FontSizeRatio,
        Color = Color ?? fallback.Color,
        OutlineColor = OutlineColor ?? fallback.OutlineColor,
        OutlineRatio = OutlineRatio ?? fallback.OutlineRatio,
    };

    /// <summary>Field name (camelCase, as in JSON) to problem, for every invalid value.</summary>
    public IReadOnlyDictionary<string, string> Validate()
    {
        var errors = new Dictionary<string, string>();
        if (FontSizeRatio is { } size && (double.IsNaN(size) || size is <= 0 or > 1))
        {
            errors["fontSizeRatio"] = "must be greater than 0 and at most 1";
        }

        if (OutlineRatio is { } outline && (double.IsNaN(outline) || outline is < 0 or > 0.5))
        {
            errors["outlineRatio"] = "must be between 0 and 0.5";
        }

        if (Color is { } color && !ColorParser.TryParse(color, out _))
        {
            errors["color"] = "must be #RRGGBB or #RRGGBBAA";
        }

        if (OutlineColor is { } outlineColor && !ColorParser.TryParse(outlineColor, out _))
        {
            errors["outlineColor"] = "must be #RRGGBB or #RRGGBBAA";
        }

        return errors;
    }
}
