using ImageJobs.Contracts;
using ImageJobs.Contracts.Styles;
using ImageJobs.Contracts.Templates;

namespace ImageJobs.Rendering.Templates;

/// <summary>
/// The one place where the wire's <see cref="JobTemplate"/> meets the renderer's <see cref="Template"/>.
/// A kind or name the renderer does not know is refused with <see cref="ErrorCodes.InvalidTemplate"/>
/// naming its path (<c>layers[2].fit</c>); values are checked later, by <see cref="Template.Validate"/>.
/// </summary>
public static class JobTemplateMapping
{
    public const string Text = "text", Image = "image", Qr = "qr", Barcode = "barcode", Shape = "shape";

    public static JobTemplate ToContract(this Template template, string? name = null, int? version = null) =>
        new([.. template.Layers.Select(ToContract)], template.Output.ToContract(), name, version);

    /// <summary>
    /// A batch's template with one row's values put in (job schema version 3): each fill sets the
    /// text of a text layer, the value of a code layer or the picture of an image layer.
    /// </summary>
    /// <exception cref="JobFailedException"><see cref="ErrorCodes.InvalidTemplate"/>: a fill names no layer, a layer twice, or a layer that takes no value.</exception>
    public static JobTemplate Fill(this JobTemplate template, IReadOnlyList<JobFill> fills)
    {
        if (fills.Count == 0)
        {
            return template;
        }

        var layers = template.Layers.ToArray();
        var filled = new HashSet<int>();
        for (var i = 0; i < fills.Count; i++)
        {
            var (index, value) = fills[i];
            var path = $"fills[{i}]";
            if (index < 0 || index >= layers.Length || layers[index] is null)
            {
                throw new JobFailedException(ErrorCodes.InvalidTemplate, $"{path}.layer {index} names no layer of the batch's template ({layers.Length} layers).");
            }

            if (!filled.Add(index))
            {
                throw new JobFailedException(ErrorCodes.InvalidTemplate, $"{path}.layer {index} is filled twice.");
            }

            layers[index] = layers[index].Kind switch
            {
                Text => layers[index] with { Text = value },
                Image => layers[index] with { ImageName = value },
                Qr or Barcode => layers[index] with { Value = value },
                _ => throw new JobFailedException(ErrorCodes.InvalidTemplate, $"{path}.layer {index} is a {layers[index].Kind} layer, which takes no value."),
            };
        }

        return template with { Layers = layers };
    }

    /// <summary>The value <see cref="Fill"/> puts into <paramref name="layer"/>: its text, code value or picture name; null for a layer that takes none.</summary>
    public static string? FilledValue(Layer layer) => layer switch
    {
        TextLayer text => text.Text,
        CodeLayer code => code.Value,
        ImageLayer image => image.ImageName,
        _ => null,
    };

    /// <exception cref="JobFailedException"><see cref="ErrorCodes.InvalidTemplate"/>: an unknown kind or enum name.</exception>
    public static Template ToTemplate(this JobTemplate template)
    {
        var layers = new Layer[template.Layers.Count];
        for (var i = 0; i < layers.Length; i++)
        {
            layers[i] = ToLayer(template.Layers[i], $"layers[{i}]");
        }

        return new Template { Layers = layers, Output = Output(template.Output) };
    }

    private static JobLayer ToContract(Layer layer)
    {
        var common = new JobLayer(Kind(layer), layer.Name, layer.Box.ToContract(), layer.Anchor?.ToString(), layer.Opacity, layer.Visible ? null : false);
        return layer switch
        {
            TextLayer text => common with { Text = text.Text, Markup = text.Markup ? null : false, Style = text.Style?.ToContract() },
            ImageLayer image => common with { ImageName = image.ImageName, Fit = image.Fit?.ToString(), CornerRadius = image.CornerRadius },
            QrLayer qr => WithCode(common, qr) with { ErrorCorrection = qr.ErrorCorrection?.ToString() },
            BarcodeLayer bar => WithCode(common, bar) with { Symbology = bar.Symbology?.ToString() },
            ShapeLayer shape => common with { Shape = shape.Shape?.ToString(), Fill = shape.Fill, Stroke = shape.Stroke, StrokeWidth = shape.StrokeWidth, CornerRadius = shape.CornerRadius },
            _ => throw new ArgumentException($"Layer '{layer.Name}' is of no known kind.", nameof(layer)),
        };
    }

    private static string Kind(Layer layer) => layer switch
    {
        TextLayer => Text,
        ImageLayer => Image,
        QrLayer => Qr,
        BarcodeLayer => Barcode,
        _ => Shape,
    };

    private static Layer ToLayer(JobLayer wire, string path)
    {
        Layer layer = wire.Kind switch
        {
            Text => new TextLayer { Text = wire.Text ?? "", Markup = wire.Markup ?? true, Style = LayerStyle(wire.Style, path) },
            Image => new ImageLayer { ImageName = wire.ImageName ?? "", Fit = Parse<ImageFit>(wire.Fit, path, "fit"), CornerRadius = wire.CornerRadius },
            Qr => WithCode(new QrLayer { ErrorCorrection = Parse<QrErrorCorrection>(wire.ErrorCorrection, path, "errorCorrection") }, wire),
            Barcode => WithCode(new BarcodeLayer { Symbology = Parse<BarcodeSymbology>(wire.Symbology, path, "symbology") }, wire),
            Shape => new ShapeLayer
            {
                Shape = Parse<ShapeKind>(wire.Shape, path, "shape"),
                Fill = wire.Fill,
                Stroke = wire.Stroke,
                StrokeWidth = wire.StrokeWidth,
                CornerRadius = wire.CornerRadius,
            },
            _ => throw Invalid(path, "kind", wire.Kind ?? "", $"{Text}, {Image}, {Qr}, {Barcode}, {Shape}"),
        };
        return layer with
        {
            Name = wire.Name ?? "",
            Box = wire.Box is { } box
                ? new TextBoxStyle { Unit = Parse<BoxUnit>(box.Unit, path, "box.unit"), X = box.X, Y = box.Y, Width = box.Width, Height = box.Height }
                : null,
            Anchor = Parse<Anchor>(wire.Anchor, path, "anchor"),
            Opacity = wire.Opacity,
            Visible = wire.Visible ?? true,
        };
    }

    // The fields every code layer shares, one way and the other.
    private static JobLayer WithCode(JobLayer wire, CodeLayer code) =>
        wire with { Value = code.Value, Color = code.Color, Background = code.Background, QuietZone = code.QuietZone };

    private static CodeLayer WithCode(CodeLayer layer, JobLayer wire) =>
        layer with { Value = wire.Value ?? "", Color = wire.Color, Background = wire.Background, QuietZone = wire.QuietZone };

    private static TextStyle? LayerStyle(JobStyle? style, string path)
    {
        try
        {
            return style?.ToTextStyle();
        }
        catch (JobFailedException ex) when (ex.Code == ErrorCodes.InvalidStyle)
        {
            throw new JobFailedException(ErrorCodes.InvalidTemplate, $"{path}.style: {ex.Message}", ex);
        }
    }

    private static OutputStyle? Output(JobOutput? output) => output is null ? null : LayerStyle(new JobStyle(Output: output), "template")!.Output;

    private static T? Parse<T>(string? name, string path, string field)
        where T : struct, Enum =>
        name is null ? null : JobStyleMapping.TryParse<T>(name) ?? throw Invalid(path, field, name, string.Join(", ", Enum.GetNames<T>()));

    private static JobFailedException Invalid(string path, string field, string name, string known) =>
        new(ErrorCodes.InvalidTemplate, $"{path}.{field} '{JobStyleMapping.Truncate(name)}' is not one of: {known}.");
}
