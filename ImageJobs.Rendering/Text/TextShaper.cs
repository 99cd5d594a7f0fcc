using HarfBuzzSharp;
using SkiaSharp;
using SkiaSharp.HarfBuzz;
using Buffer = HarfBuzzSharp.Buffer;

namespace ImageJobs.Rendering.Text;

/// <summary>
/// One shaped run: glyph ids and positions in visual order, the UTF-16 index each glyph came from,
/// and the advance; once placed, its span's style, left edge and baseline.
/// </summary>
public sealed record ShapedRun(SKTypeface Face, ushort[] Glyphs, SKPoint[] Positions, int[] Clusters, float Width, bool RightToLeft)
{
    public SpanStyle Span { get; init; } = SpanStyle.Plain;

    public float Left { get; init; }

    public float Baseline { get; init; }
}

/// <summary>
/// Shapes runs with HarfBuzz. Not thread-safe: one per thread, reused, because building an
/// <see cref="SKShaper"/> (a HarfBuzz face) per call costs more than the shaping.
/// </summary>
public sealed class TextShaper : IDisposable
{
    private readonly Dictionary<SKTypeface, SKShaper> _shapers = [];
    private readonly Buffer _buffer = new();
    private readonly SKFont _font = NewFont();

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
        if (!_shapers.TryGetValue(face, out var shaper))
        {
            _shapers[face] = shaper = new SKShaper(face);
        }

        _buffer.ClearContents();
        // The whole text gives HarfBuzz the context around the run; clusters are then indices into it.
        _buffer.AddUtf16(text, start, length);
        _buffer.Direction = rightToLeft ? Direction.RightToLeft : Direction.LeftToRight;
        _buffer.GuessSegmentProperties();

        _font.Typeface = face;
        _font.Size = size;
        var result = shaper.Shape(_buffer, 0, 0, _font);

        var glyphs = new ushort[result.Codepoints.Length];
        var clusters = new int[glyphs.Length];
        for (var i = 0; i < glyphs.Length; i++)
        {
            glyphs[i] = (ushort)result.Codepoints[i];
            clusters[i] = (int)result.Clusters[i];
        }

        return new ShapedRun(face, glyphs, result.Points, clusters, result.Width, rightToLeft);
    }

    /// <summary>Drops the shapers of faces that are about to be disposed (uploaded fonts live for one render).</summary>
    public void Forget(IEnumerable<SKTypeface> faces)
    {
        foreach (var face in faces)
        {
            if (_shapers.Remove(face, out var shaper))
            {
                shaper.Dispose();
            }
        }

        if (_font.Typeface is { } current && faces.Contains(current))
        {
            _font.Typeface = null;
        }
    }

    /// <summary>
    /// The font for drawing a run: this shaper's settings, the face and size, fake bold for faces
    /// without a bold, and a slant for italic (no bundled face has an italic cut).
    /// </summary>
    public SKFont FontFor(SKTypeface face, float size, bool embolden, bool italic = false)
    {
        _font.Typeface = face;
        _font.Size = size;
        _font.Embolden = embolden;
        _font.SkewX = italic ? ItalicSkew : 0;
        return _font;
    }

    /// <summary>The horizontal shear of synthetic italic (Skia's own fake-italic value).</summary>
    private const float ItalicSkew = -0.25f;

    public void Dispose()
    {
        foreach (var shaper in _shapers.Values)
        {
            shaper.Dispose();
        }

        _buffer.Dispose();
        _font.Dispose();
    }
}
