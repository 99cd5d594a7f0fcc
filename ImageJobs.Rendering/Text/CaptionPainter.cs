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

        using var blob = BuildBlob(caption, caption.Runs, shaper);
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

        var color = ColorParser.Parse(style.Color!);
        if (caption.Runs.All(r => r.Span.Color is null))
        {
            _fill.Color = color;
            canvas.DrawText(blob, 0, 0, _fill);
        }
        else
        {
            // Rich spans: one blob per colour, in the order the colours first appear.
            foreach (var group in caption.Runs.GroupBy(r => r.Span.Color ?? color))
            {
                using var coloured = BuildBlob(caption, [.. group], shaper);
                if (coloured is not null)
                {
                    _fill.Color = group.Key;
                    canvas.DrawText(coloured, 0, 0, _fill);
                }
            }
        }

        foreach (var run in caption.Runs.Where(r => r.Span.Strike && r.Glyphs.Length > 0))
        {
            _fill.Color = run.Span.Color ?? color;
            canvas.DrawRect(Strike(caption, run, shaper), _fill);
        }

        canvas.RestoreToCount(save);
    }

    /// <summary>The bar across a struck-through run, from the font's strikeout metrics (or at 0.3 em, 0.06 em thick).</summary>
    private static SKRect Strike(ComposedCaption caption, ShapedRun run, TextShaper shaper)
    {
        var size = caption.Size * run.Span.Scale;
        var metrics = shaper.FontFor(run.Face, size, embolden: false).Metrics;
        var position = metrics.StrikeoutPosition is { } p and < 0 ? p : -0.3f * size;
        var thickness = metrics.StrikeoutThickness is { } t and > 0 ? t : 0.06f * size;
        return new SKRect(run.Left, run.Baseline + position - (thickness / 2), run.Left + run.Width, run.Baseline + position + (thickness / 2));
    }

    /// <summary>
    /// Where <see cref="Draw"/> can put ink, in the canvas's coordinates: the glyphs' own bounds
    /// grown by the outline, the background box, and the shadow's offset and blur (three sigma).
    /// Empty when nothing would be drawn. The renderer draws only this region.
    /// </summary>
    public static SKRect Extent(ComposedCaption caption, TextStyle style, TextShaper shaper)
    {
        var ink = SKRect.Empty;
        foreach (var run in caption.Runs)
        {
            if (run.Glyphs.Length == 0)
            {
                continue;
            }

            var font = shaper.FontFor(run.Face, caption.Size * run.Span.Scale, Emboldened(run), Slanted(run));
            var bounds = new SKRect[run.Glyphs.Length];
            font.GetGlyphWidths(run.Glyphs, null, bounds);
            for (var g = 0; g < bounds.Length; g++)
            {
                if (!bounds[g].IsEmpty)
                {
                    ink = Union(ink, SKRect.Create(bounds[g].Left + run.Positions[g].X, bounds[g].Top + run.Positions[g].Y, bounds[g].Width, bounds[g].Height));
                }
            }

            if (run.Span.Strike)
            {
                ink = Union(ink, Strike(caption, run, shaper));
            }
        }

        if (ink.IsEmpty)
        {
            return SKRect.Empty;
        }

        var size = caption.Size;
        var outline = (float)style.OutlineRatio!.Value * size;
        ink.Inflate((outline / 2) + 1, (outline / 2) + 1); // round joins reach half the width; 1 px of anti-aliasing
        var background = style.Background!;
        if (ColorParser.Parse(background.Color!).Alpha > 0)
        {
            var padding = ((float)background.Padding!.Value * size) + 1;
            ink = Union(ink, new SKRect(caption.Bounds.Left - padding, caption.Bounds.Top - padding, caption.Bounds.Right + padding, caption.Bounds.Bottom + padding));
        }

        var shadow = style.Shadow!;
        if (ColorParser.Parse(shadow.Color!).Alpha > 0)
        {
            var cast = ink;
            cast.Offset((float)shadow.OffsetX!.Value * size, (float)shadow.OffsetY!.Value * size);
            var reach = (3 * (float)shadow.Blur!.Value * size / 2) + 1;
            cast.Inflate(reach, reach);
            ink = Union(ink, cast);
        }

        return ink;
    }

    private static SKRect Union(SKRect a, SKRect b) => a.IsEmpty ? b : SKRect.Union(a, b);

    // A run's span holds the weight and style resolved under its layer (CaptionComposer).
    private static bool Emboldened(ShapedRun run) =>
        run.Span.Bold && run.Face.FontStyle.Weight < FontLibrary.BoldWeight && run.Face.FamilyName != "Noto Color Emoji";

    /// <summary>Slanted when italic is asked for and the face is not an italic (or oblique) cut itself.</summary>
    private static bool Slanted(ShapedRun run) => run.Span.Italic && run.Face.FontStyle.Slant == SKFontStyleSlant.Upright;

    private static SKTextBlob? BuildBlob(ComposedCaption caption, IEnumerable<ShapedRun> runs, TextShaper shaper)
    {
        using var builder = new SKTextBlobBuilder();
        foreach (var run in runs)
        {
            if (run.Glyphs.Length == 0)
            {
                continue;
            }

            // Faces without a bold cut (CJK) are emboldened; colour emoji never are.
            var font = shaper.FontFor(run.Face, caption.Size * run.Span.Scale, Emboldened(run), Slanted(run));
            builder.AddPositionedRun(run.Glyphs, font, run.Positions);
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
