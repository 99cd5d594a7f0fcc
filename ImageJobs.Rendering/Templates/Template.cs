using System.Globalization;

namespace ImageJobs.Rendering.Templates;

/// <summary>
/// What goes on one image: layers drawn in order, the first at the bottom, and how the result is
/// encoded. Values are resolved already: placeholders are filled before a template reaches the engine.
/// </summary>
public sealed record Template
{
    /// <summary>More layers than this are refused (every layer costs layout and drawing per image).</summary>
    public const int MaxLayers = 64;

    public IReadOnlyList<Layer> Layers { get; init; } = [];

    public OutputStyle? Output { get; init; }

    /// <summary>Today's job (one caption and its style) as a template: one text layer, the text taken literally.</summary>
    public static Template SingleCaption(string text, TextStyle? style) => new()
    {
        Layers = [new TextLayer { Name = "caption", Text = text, Markup = false, Style = style }],
        Output = style?.Output,
    };

    /// <summary>The pictures the visible image layers draw, each name once: what a renderer must be handed.</summary>
    public IReadOnlyList<string> PictureNames() =>
        [.. Layers.OfType<ImageLayer>().Where(l => l.Visible && (l.Opacity ?? 1) > 0).Select(l => l.ImageName).Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// Every font family the visible text layers name, by path: a style's (<c>layers[1].style.fontFamily</c>)
    /// and a span's (<c>layers[1].text</c>, from <c>[font=...]</c>); bundled ones included. Markup that does not parse names none.
    /// </summary>
    public IEnumerable<(string Path, string Family)> FontFamilies()
    {
        for (var i = 0; i < Layers.Count; i++)
        {
            if (Layers[i] is not TextLayer { Visible: true } text)
            {
                continue;
            }

            if (text.Style?.FontFamily is { } family)
            {
                yield return (string.Create(CultureInfo.InvariantCulture, $"layers[{i}].style.fontFamily"), family);
            }

            if (text.Markup && text.Text is { } markup && markup.Contains("[font=", StringComparison.Ordinal) && Text.RichText.TryParse(markup, out _) is { } rich)
            {
                foreach (var spanFamily in rich.Families())
                {
                    yield return (string.Create(CultureInfo.InvariantCulture, $"layers[{i}].text"), spanFamily);
                }
            }
        }
    }

    /// <summary>Path (<c>layers[2].box.width</c>) to problem, for every invalid value; empty when valid.</summary>
    public IReadOnlyDictionary<string, string> Validate(int maxTextLength) => TemplateValidation.Validate(this, maxTextLength);

    /// <summary>
    /// The problem of the value a row fills in <paramref name="layer"/> (its text, code value or
    /// picture name) as (field, problem), or null: all that changes from row to row of a checked template.
    /// Without <paramref name="parseMarkup"/> a text's markup is taken as checked already.
    /// </summary>
    public static (string Field, string Problem)? ValueProblem(Layer layer, int maxTextLength, bool parseMarkup = true) =>
        TemplateValidation.ValueProblem(layer, maxTextLength, parseMarkup);
}

/// <summary>
/// One layer: a name, the box it is drawn in (pixels or percent of the image; unset, the image
/// less a 5% margin), where its content sits in that box, its opacity, and whether it is drawn.
/// </summary>
public abstract record Layer
{
    public string Name { get; init; } = "";

    public TextBoxStyle? Box { get; init; }

    /// <summary>Where content smaller than the box sits (a QR code, a contained image, a text block).</summary>
    public Anchor? Anchor { get; init; }

    /// <summary>Of the whole layer, 0 to 1 (a text layer's style opacity multiplies it).</summary>
    public double? Opacity { get; init; }

    public bool Visible { get; init; } = true;
}

/// <summary>
/// Text with a full caption style. With <see cref="Markup"/> the text may hold rich spans
/// (<see cref="Text.RichText.TryParse"/>); the layer's box and anchor, when set, win over the style's.
/// </summary>
public sealed record TextLayer : Layer
{
    public string Text { get; init; } = "";

    public bool Markup { get; init; } = true;

    public TextStyle? Style { get; init; }
}

/// <summary>How a picture fills its box.</summary>
public enum ImageFit
{
    /// <summary>Whole picture, as large as fits, placed by the layer's anchor.</summary>
    Contain,

    /// <summary>Fills the box, cropped; the anchor says which part is kept.</summary>
    Cover,

    /// <summary>Fills the box, proportions ignored.</summary>
    Stretch,
}

/// <summary>
/// A picture handed to the engine by <see cref="ImageName"/> (a logo, a photo); the engine does not
/// fetch it. Corner radius is a fraction of the drawn picture's shorter side (0.5: a circle or pill).
/// </summary>
public sealed record ImageLayer : Layer
{
    public string ImageName { get; init; } = "";

    public ImageFit? Fit { get; init; }

    public double? CornerRadius { get; init; }
}

public enum QrErrorCorrection
{
    L,
    M,
    Q,
    H,
}

/// <summary>
/// What a QR code and a barcode share: the value encoded, the dark and light colours, and the light
/// modules kept around the code (its quiet zone; each kind has its own default).
/// </summary>
public abstract record CodeLayer : Layer
{
    public string Value { get; init; } = "";

    /// <summary>The dark modules.</summary>
    public string? Color { get; init; }

    /// <summary>The light modules and quiet zone (alpha 0: the image shows through).</summary>
    public string? Background { get; init; }

    /// <summary>Light modules around the code.</summary>
    public int? QuietZone { get; init; }
}

/// <summary>A QR code, square, as large as its box allows, in whole pixels per module; its quiet zone defaults to the 4 modules the standard asks for.</summary>
public sealed record QrLayer : CodeLayer
{
    public QrErrorCorrection? ErrorCorrection { get; init; }
}

public enum BarcodeSymbology
{
    Code128,
    Ean13,
    UpcA,
}

/// <summary>
/// A one-dimensional barcode filling its box's height, as wide as the box allows in whole pixels per
/// module; quiet zone left and right (EAN and UPC ask for at least 9 and 7; Code 128 for 10).
/// </summary>
public sealed record BarcodeLayer : CodeLayer
{
    public BarcodeSymbology? Symbology { get; init; }
}

public enum ShapeKind
{
    Rectangle,
    RoundedRectangle,
}

/// <summary>A band or label: the box filled and stroked; radius and stroke width are fractions of the box's shorter side.</summary>
public sealed record ShapeLayer : Layer
{
    public ShapeKind? Shape { get; init; }

    public string? Fill { get; init; }

    public string? Stroke { get; init; }

    public double? StrokeWidth { get; init; }

    public double? CornerRadius { get; init; }
}
