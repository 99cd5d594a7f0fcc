using SkiaSharp;

namespace ImageJobs.Rendering.Text;

/// <summary>
/// Draws a composed caption: background box, then the text with its shadow, outline and fill,
/// all inside one layer so the opacity applies to the caption as a whole (no darker overlaps).
/// Not thread-safe: its paints are reused from job to job on one thread.
/// </summary>
public sealed class CaptionPainter : IDisposable
{
    private readonly SKPaint _fill = new() { IsAntialias = true, Style = SKPaintStyle.Fill };
    private readonly SKPaint _stroke = new() { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeJoin = SKStrokeJoin.Round, StrokeCap = SKStrokeCap.Round };
    private readonly SKPaint _background = new() { IsAntialias = true, Style = SKPaintStyle.Fill };
    private readonly SKPaint _layer = new();

    /// <param name="style">A resolved style (merged over <see cref="TextStyle.Default"/>): every value is set.</param>
    public void Draw(SKCanvas canvas, ComposedCaption caption, TextStyle style, TextShaper shaper)
    {
        if (caption.Runs.Count == 0 || caption.Runs.All(r => r.Glyphs.Length == 0))
        {
            return;
        }

        using var blob = BuildBlob(caption, shaper);
        if (blob is null)
        {
            return;
        }

        var size = caption.Size;
        var opacity = (float)style.Opacity!.Value;
        var save = canvas.Save();
        if (opacity < 1)
        {
            _layer.Color = SKColors.Black.WithAlpha((byte)MathF.Round(opacity * 255));
            _layer.ImageFilter = null;
            canvas.SaveLayer(_layer);
        }

        var backgroundStyle = style.Background!;
        var backgroundColor = ColorParser.Parse(backgroundStyle.Color!);
        if (backgroundColor.Alpha > 0)
        {
            var padding = (float)backgroundStyle.Padding!.Value * size;
            var radius = (float)backgroundStyle.CornerRadius!.Value * size;
            var bounds = caption.Bounds;
            _background.Color = backgroundColor;
            canvas.DrawRoundRect(new SKRect(bounds.Left - padding, bounds.Top - padding, bounds.Right + padding, bounds.Bottom + padding), radius, radius, _background);
        }

        var shadowStyle = style.Shadow!;
        var shadowColor = ColorParser.Parse(shadowStyle.Color!);
        using var shadow = shadowColor.Alpha > 0
            ? SKImageFilter.CreateDropShadow((float)shadowStyle.OffsetX!.Value * size, (float)shadowStyle.OffsetY!.Value * size,
                (float)shadowStyle.Blur!.Value * size / 2, (float)shadowStyle.Blur!.Value * size / 2, shadowColor)
            : null;
        if (shadow is not null)
        {
            // The shadow is cast by outline and fill together, as one shape.
            _layer.Color = SKColors.Black;
            _layer.ImageFilter = shadow;
            canvas.SaveLayer(_layer);
            _layer.ImageFilter = null;
        }

        var outlineWidth = (float)style.OutlineRatio!.Value * size;
        var outlineColor = ColorParser.Parse(style.OutlineColor!);
        if (outlineWidth > 0 && outlineColor.Alpha > 0)
        {
            _stroke.StrokeWidth = outlineWidth;
            _stroke.Color = outlineColor;
            canvas.DrawText(blob, 0, 0, _stroke);
        }

        _fill.Color = ColorParser.Parse(style.Color!);
        canvas.DrawText(blob, 0, 0, _fill);
        canvas.RestoreToCount(save);
    }

    private static SKTextBlob? BuildBlob(ComposedCaption caption, TextShaper shaper)
    {
        using var builder = new SKTextBlobBuilder();
        foreach (var run in caption.Runs)
        {
            if (run.Glyphs.Length == 0)
            {
                continue;
            }

            // Faces without a bold cut (CJK) are emboldened; colour emoji never are.
            var embolden = caption.Bold && run.Face.FontStyle.Weight < (int)SKFontStyleWeight.SemiBold && run.Face.FamilyName != "Noto Color Emoji";
            builder.AddPositionedRun(run.Glyphs, shaper.FontFor(run.Face, caption.Size, embolden), run.Positions);
        }

        return builder.Build();
    }

    public void Dispose()
    {
        _fill.Dispose();
        _stroke.Dispose();
        _background.Dispose();
        _layer.Dispose();
    }
}
