using System.Globalization;
using ImageJobs.Contracts;
using ImageJobs.Rendering.Layout;
using ImageJobs.Rendering.Text;
using SkiaSharp;

namespace ImageJobs.Rendering.Templates;

/// <summary>A text layer laid out: its caption and the resolved style it is painted with.</summary>
internal sealed record PreparedText(SKRect Extent, ComposedCaption Caption, TextStyle Style) : PreparedLayer(Extent, 1);

/// <summary>
/// Lays out every visible layer of a template for one image, then draws them in order onto one
/// canvas (the renderer blends the union of their extents into the image once). Not thread-safe:
/// one per thread, like the shaper and the paints it holds.
/// </summary>
internal sealed class TemplateComposer : IDisposable
{
    private readonly RenderLimits _limits;
    private readonly SKPaint _paint = new();
    private readonly SKPaint _layer = new();

    public TemplateComposer(FontLibrary fonts, RenderLimits limits)
    {
        _limits = limits;
        Shaper = new TextShaper();
        Captions = new CaptionComposer(fonts, Shaper);
        Painter = new CaptionPainter();
    }

    public TextShaper Shaper { get; }

    public CaptionComposer Captions { get; }

    public CaptionPainter Painter { get; }

    /// <exception cref="JobFailedException">A layer cannot be drawn on this image; the message names it.</exception>
    public List<PreparedLayer> Prepare(Template template, int width, int height, IReadOnlyDictionary<string, ReadOnlyMemory<byte>> images, UploadedFonts? fonts)
    {
        var prepared = new List<PreparedLayer>(template.Layers.Count);
        try
        {
            foreach (var layer in template.Layers)
            {
                if (layer.Visible && (layer.Opacity ?? 1) > 0 && Prepare(layer, width, height, images, fonts) is { } ready)
                {
                    prepared.Add(ready);
                }
            }

            return prepared;
        }
        catch
        {
            prepared.ForEach(p => p.Dispose());
            throw;
        }
    }

    /// <summary>Every visible, non-blank text layer laid out for an image of this size, without drawing or refusing anything.</summary>
    /// <param name="fonts">The uploaded faces the layers may name; a family not among them is reported as the layer's failure.</param>
    public List<TextLayerFit> Measure(Template template, int width, int height, UploadedFonts? fonts = null)
    {
        var fits = new List<TextLayerFit>();
        for (var i = 0; i < template.Layers.Count; i++)
        {
            if (template.Layers[i] is not TextLayer { Visible: true } layer || (layer.Opacity ?? 1) <= 0 || string.IsNullOrWhiteSpace(layer.Text))
            {
                continue;
            }

            string? error = null;
            if ((layer.Markup ? RichText.TryParse(layer.Text, out error) : RichText.Literal(layer.Text)) is not { } rich)
            {
                fits.Add(new TextLayerFit(i, layer.Name, FitOutcome.Fails, 0, 0, 0, false, [], error));
                continue;
            }

            try
            {
                fits.Add(TextLayerFit.Of(i, layer.Name, Captions.Measure(rich, TextStyleOf(layer), width, height, fonts)));
            }
            catch (JobFailedException ex) when (ex.Code == ErrorCodes.FontMissing)
            {
                fits.Add(new TextLayerFit(i, layer.Name, FitOutcome.Fails, 0, 0, 0, false, [], ex.Message));
            }
        }

        return fits;
    }

    public void Draw(SKCanvas canvas, IEnumerable<PreparedLayer> layers)
    {
        foreach (var layer in layers)
        {
            if (layer is PreparedText text)
            {
                Painter.Draw(canvas, text.Caption, text.Style, Shaper);
                continue;
            }

            var save = canvas.Save();
            if (layer.Opacity < 1)
            {
                _layer.Color = SKColors.Black.WithAlpha((byte)MathF.Round(layer.Opacity * 255));
                canvas.SaveLayer(layer.Extent, _layer);
            }

            LayerDrawing.Draw(canvas, layer, _paint);
            canvas.RestoreToCount(save);
        }
    }

    /// <summary>The style a text layer is drawn with: its own, with the layer's box, anchor and opacity, over the defaults.</summary>
    public static TextStyle TextStyleOf(TextLayer layer)
    {
        var own = layer.Style ?? new TextStyle();
        var style = own with
        {
            Box = layer.Box ?? own.Box,
            Anchor = layer.Anchor ?? own.Anchor,
        };
        var effective = style.Over(TextStyle.Default);
        return layer.Opacity is { } opacity ? effective with { Opacity = effective.Opacity * opacity } : effective;
    }

    private PreparedLayer? Prepare(Layer layer, int width, int height, IReadOnlyDictionary<string, ReadOnlyMemory<byte>> images, UploadedFonts? fonts)
    {
        var box = BlockPlacer.ResolveBox(layer.Box ?? TextBoxStyle.Default, width, height);
        var opacity = (float)(layer.Opacity ?? 1);
        switch (layer)
        {
            case TextLayer text:
                return PrepareText(text, width, height, fonts);
            case ImageLayer image:
                if (!images.TryGetValue(image.ImageName, out var bytes))
                {
                    throw new JobFailedException(ErrorCodes.TemplateImageMissing, $"Layer '{layer.Name}': the image '{image.ImageName}' was not found.");
                }

                if (bytes.Length > _limits.MaxSourceBytes)
                {
                    throw JobFailedException.SourceTooLarge(bytes.Length, _limits.MaxSourceBytes);
                }

                return box.Width < 1 || box.Height < 1 ? null : LayerDrawing.Picture(image, box, opacity, bytes, _limits);
            case QrLayer qr:
                return LayerDrawing.Qr(qr, box, opacity);
            case BarcodeLayer barcode:
                return LayerDrawing.Barcode(barcode, box, opacity);
            case ShapeLayer shape:
                return box.Width <= 0 || box.Height <= 0 ? null : LayerDrawing.Shape(shape, box, opacity);
            default:
                throw new JobFailedException(ErrorCodes.InvalidTemplate, $"Layer '{layer.Name}' is of a kind this engine does not draw.");
        }
    }

    private PreparedText? PrepareText(TextLayer layer, int width, int height, UploadedFonts? fonts)
    {
        if (string.IsNullOrWhiteSpace(layer.Text))
        {
            return null;
        }

        var rich = layer.Markup
            ? RichText.TryParse(layer.Text, out var error) ?? throw new JobFailedException(ErrorCodes.InvalidTemplate, $"Layer '{layer.Name}': {error}.")
            : RichText.Literal(layer.Text);
        var style = TextStyleOf(layer);
        var caption = Captions.Compose(rich, style, width, height, fonts);
        var extent = CaptionPainter.Extent(caption, style, Shaper);
        return extent.IsEmpty ? null : new PreparedText(extent, caption, style);
    }

    public void Dispose()
    {
        Captions.Dispose();
        Painter.Dispose();
        Shaper.Dispose();
        _paint.Dispose();
        _layer.Dispose();
    }
}
