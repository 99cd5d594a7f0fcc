using HarfBuzzSharp;
using SkiaSharp;
using SkiaSharp.HarfBuzz;
using Buffer = HarfBuzzSharp.Buffer;

namespace ImageJobs.Worker.Rendering.Text;

/// <summary>One shaped run: glyph ids and positions in visual order, the UTF-16 index each glyph came from, and the advance.</summary>
public sealed record ShapedRun(SKTypeface Face, ushort[] Glyphs, SKPoint[] Positions, int[] Clusters, float Width, bool RightToLeft);

/// <summary>
/// Shapes runs with HarfBuzz. Not thread-safe: one per thread, reused, because building an
/// <see cref="SKShaper"/> (a HarfBuzz face) per call costs more than the shaping.
/// </summary>
public sealed class TextShaper : IDisposable
{
    private readonly Dictionary<SKTypeface, SKShaper> shapers = [];
    private readonly Buffer buffer = new();
    private readonly SKFont font = NewFont();

    /// <summary>Unhinted, subpixel-positioned metrics: advances scale linearly with the size.</summary>
    public static SKFont NewFont() => new()
    {
        Subpixel = true,
        LinearMetrics = true,
        Hinting = SKFontHinting.None,
        Edging = SKFontEdging.Antialias,
    };

    /// <summary>Shapes text[start..start+length] in one face and direction at <paramref name="size"/> pixels.</summary>
    public ShapedRun Shape(string text, int start, int length, SKTypeface face, bool rightToLeft, float size)
    {
        if (!shapers.TryGetValue(face, out var shaper))
        {
            shapers[face] = shaper = new SKShaper(face);
        }

        buffer.ClearContents();
        // The whole text gives HarfBuzz the context around the run; clusters are then indices into it.
        buffer.AddUtf16(text, start, length);
        buffer.Direction = rightToLeft ? Direction.RightToLeft : Direction.LeftToRight;
        buffer.GuessSegmentProperties();

        font.Typeface = face;
        font.Size = size;
        var result = shaper.Shape(buffer, 0, 0, font);

        var glyphs = new ushort[result.Codepoints.Length];
        var clusters = new int[glyphs.Length];
        for (var i = 0; i < glyphs.Length; i++)
        {
            glyphs[i] = (ushort)result.Codepoints[i];
            clusters[i] = (int)result.Clusters[i];
        }

        return new ShapedRun(face, glyphs, result.Points, clusters, result.Width, rightToLeft);
    }

    /// <summary>The font for drawing a run: this shaper's settings, the face and size, fake bold for faces without a bold.</summary>
    public SKFont FontFor(SKTypeface face, float size, bool embolden)
    {
        font.Typeface = face;
        font.Size = size;
        font.Embolden = embolden;
        return font;
    }

    public void Dispose()
    {
        foreach (var shaper in shapers.Values)
        {
            shaper.Dispose();
        }

        buffer.Dispose();
        font.Dispose();
    }
}
