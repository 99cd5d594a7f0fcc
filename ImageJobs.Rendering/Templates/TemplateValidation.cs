using System.Globalization;
using ImageJobs.Rendering.Text;

namespace ImageJobs.Rendering.Templates;

/// <summary>Every problem of a template, keyed by JSON path (<c>layers[2].box.width</c>, <c>layers[0].style.color</c>).</summary>
internal static class TemplateValidation
{
    public const int MaxNameLength = 100;

    public const int MaxImageNameLength = 1_024;

    public static IReadOnlyDictionary<string, string> Validate(Template template, int maxTextLength)
    {
        var errors = new StyleErrors();
        if (template.Layers is null || template.Layers.Count == 0)
        {
            errors.Add("layers", "must hold at least one layer");
        }
        else if (template.Layers.Count > Template.MaxLayers)
        {
            errors.Add("layers", string.Create(CultureInfo.InvariantCulture, $"holds {template.Layers.Count} layers, more than {Template.MaxLayers}"));
        }
        else
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < template.Layers.Count; i++)
            {
                var at = errors.Under(string.Create(CultureInfo.InvariantCulture, $"layers[{i}]"));
                if (template.Layers[i] is not { } layer)
                {
                    errors.Add(string.Create(CultureInfo.InvariantCulture, $"layers[{i}]"), "is empty");
                    continue;
                }

                Common(layer, at, names);
                Kind(layer, at, maxTextLength);
            }
        }

        template.Output?.Validate(errors.Under("output"));
        return errors.ToDictionary();
    }

    private static void Common(Layer layer, StyleErrors at, HashSet<string> names)
    {
        if (string.IsNullOrWhiteSpace(layer.Name))
        {
            at.Add("name", "is required");
        }
        else if (layer.Name.Length > MaxNameLength)
        {
            at.Add("name", $"must be at most {MaxNameLength} characters");
        }
        else if (!names.Add(layer.Name))
        {
            at.Add("name", $"'{layer.Name}' names another layer too");
        }

        layer.Box?.Validate(at.Under("box"));
        at.Defined("anchor", layer.Anchor);
        at.Range("opacity", layer.Opacity, 0, 1);
    }

    /// <summary>
    /// The problem of the one value a row's placeholders fill in a layer (a text, a code's value, a
    /// picture's name) as (field, problem), or null: the only check a filled row needs.
    /// </summary>
    public static (string Field, string Problem)? ValueProblem(Layer layer, int maxTextLength, bool parseMarkup = true) => layer switch
    {
        TextLayer { Text: null } => ("text", "is required"),
        TextLayer text when text.Text.Length > maxTextLength =>
            ("text", string.Create(CultureInfo.InvariantCulture, $"is {text.Text.Length:N0} characters, more than {maxTextLength:N0}")),
        TextLayer { Markup: true } text when parseMarkup && RichText.TryParse(text.Text, out var markupError) is null => ("text", markupError!),
        ImageLayer image when string.IsNullOrWhiteSpace(image.ImageName) => ("imageName", "is required"),
        ImageLayer image when image.ImageName.Length > MaxImageNameLength => ("imageName", $"must be at most {MaxImageNameLength} characters"),
        QrLayer qr when CodePatterns.CheckQr(qr.Value ?? "") is { } problem => ("value", problem),
        BarcodeLayer { Symbology: var symbology } barcode when (symbology is null || Enum.IsDefined(symbology.Value))
            && CodePatterns.CheckBarcode(barcode.Value ?? "", symbology ?? BarcodeSymbology.Code128) is { } problem => ("value", problem),
        _ => null,
    };

    private static void Kind(Layer layer, StyleErrors at, int maxTextLength)
    {
        if (ValueProblem(layer, maxTextLength) is var (field, problem))
        {
            at.Add(field, problem);
        }

        switch (layer)
        {
            case TextLayer text:
                text.Style?.Validate(at.Under("style"));
                if (text.Style?.Output?.Resize is not null)
                {
                    at.Add("style.output.resize", "a resize is the whole result's: put it in the template's output.resize");
                }

                break;
            case ImageLayer image:
                at.Defined("fit", image.Fit);
                at.Range("cornerRadius", image.CornerRadius, 0, 0.5);
                break;
            case CodeLayer code:
                if (code is QrLayer qr)
                {
                    at.Defined("errorCorrection", qr.ErrorCorrection);
                }
                else if (code is BarcodeLayer barcode)
                {
                    at.Defined("symbology", barcode.Symbology);
                }

                at.Color("color", code.Color);
                at.Color("background", code.Background);
                at.Range("quietZone", code.QuietZone, 0, code is QrLayer ? 20 : 50);
                break;
            case ShapeLayer shape:
                at.Defined("shape", shape.Shape);
                at.Color("fill", shape.Fill);
                at.Color("stroke", shape.Stroke);
                at.Range("strokeWidth", shape.StrokeWidth, 0, 0.5);
                at.Range("cornerRadius", shape.CornerRadius, 0, 0.5);
                break;
        }
    }
}
