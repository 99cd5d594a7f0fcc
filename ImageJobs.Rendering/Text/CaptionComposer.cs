// One file over 300 lines: analysing, fitting and shaping lines are the stages of one layout and share the composer's per-thread shaper and break iterators.
using System.Globalization;
using System.Text;
using ImageJobs.Contracts;
using ImageJobs.Rendering.Layout;
using SkiaSharp;

namespace ImageJobs.Rendering.Text;

/// <summary>A same-face, same-direction, same-span stretch of a paragraph: [Start, Start+Length) in UTF-16 units.</summary>
public sealed record StyledRun(int Start, int Length, SKTypeface Face, byte Level, SpanStyle Span);

/// <summary>
/// A paragraph ready for line breaking: its text, break units (advances in em, letter spacing included) and runs,
/// and the grapheme clusters holding a character no face of the chain has a glyph for (<see cref="Missing"/>).
/// </summary>
public sealed record AnalyzedParagraph(string Text, BreakUnit[] Units, IReadOnlyList<StyledRun> Runs, bool RightToLeft, float LetterSpacing)
{
    public IReadOnlyList<string> Missing { get; init; } = [];
}


/// <summary>The caption, laid out: the font size, every shaped run at its place, the text block's bounds, and each line's text (logical order).</summary>
public sealed record ComposedCaption(float Size, IReadOnlyList<ShapedRun> Runs, LayoutRect Bounds, LayoutRect Box, bool Bold, IReadOnlyList<string> Lines);

/// <summary>
/// Text and style to positioned glyphs: splits paragraphs into font and direction runs, shapes
/// them once at a reference size to get advances for wrapping and fitting, then shapes each line
/// at the chosen size in visual order. Not thread-safe (it uses a per-thread <see cref="TextShaper"/>
/// and its own ICU break iterators).
/// </summary>
public sealed partial class CaptionComposer(FontLibrary fonts, TextShaper shaper) : IDisposable
{
    /// <summary>
    /// Paragraph separators: LF (CR and CRLF become LF first) and the other mandatory breaks of
    /// UAX #14 (BK, NL); each is also a bidi paragraph separator (B) or ends a line (L1).
    /// </summary>
    private static readonly char[] ParagraphSeparators = ['\n', '\v', '\f', '\u0085', '\u2028', '\u2029'];

    /// <summary>Size for measuring; advances are linear in the size, so any size gives the same em values.</summary>
    private const float ReferenceSize = 64;

    private const string EllipsisText = "\u2026";

    /// <summary>This composer's ICU break iterators (the composer is per thread, like the shaper).</summary>
    private readonly TextBreaks _breaks = new();

    /// <param name="style">A resolved style (merged over <see cref="TextStyle.Default"/>): every value is set.</param>
    /// <exception cref="JobFailedException">The text does not fit and the style says fail.</exception>
    public ComposedCaption Compose(string text, TextStyle style, int imageWidth, int imageHeight) =>
        Compose(RichText.Literal(text), style, imageWidth, imageHeight);

    /// <inheritdoc cref="Compose(string, TextStyle, int, int)"/>
    /// <param name="uploaded">The uploaded faces the style and spans may name (null: bundled families only).</param>
    /// <exception cref="JobFailedException">Also <see cref="ErrorCodes.FontMissing"/>: a family that is neither bundled nor uploaded.</exception>
    public ComposedCaption Compose(RichText text, TextStyle style, int imageWidth, int imageHeight, UploadedFonts? uploaded = null)
    {
        var (paragraphs, chain, layer, metrics, box, fit) = Layout(text, style, imageWidth, imageHeight, uploaded);
        RefuseMissingGlyphs(paragraphs);
        if (fit.Overflowed)
        {
            throw new JobFailedException(ErrorCodes.TextOverflow, string.Create(CultureInfo.InvariantCulture,
                $"The text needs {fit.Lines.Count} lines and does not fit the {box.Width:0}x{box.Height:0} px box even at the smallest size ({fit.Size:0.#} px)."));
        }

        // Shape every line at the final size, then place the block with the real widths.
        var lines = fit.Lines.Select(line => ShapeLine(paragraphs[line.Paragraph], line, fit.Size, chain.Primary, layer)).ToList();
        var block = BlockPlacer.Place(box, style.Anchor!.Value, (float)style.OffsetX!.Value, (float)style.OffsetY!.Value,
            style.Align!.Value, [.. lines.Select(l => l.Width)], fit.Size, metrics);

        var runs = new List<ShapedRun>();
        for (var i = 0; i < lines.Count; i++)
        {
            var placed = block.Lines[i];
            var x = placed.X;
            foreach (var run in lines[i].Runs)
            {
                var positions = new SKPoint[run.Positions.Length];
                for (var g = 0; g < positions.Length; g++)
                {
                    positions[g] = new SKPoint(run.Positions[g].X + x, run.Positions[g].Y + placed.Baseline);
                }

                runs.Add(run with { Positions = positions, Left = x, Baseline = placed.Baseline });
                x += run.Width;
            }
        }

        var lineTexts = fit.Lines.Select(l => paragraphs[l.Paragraph].Text[l.Start..l.End] + (l.Ellipsis ? EllipsisText : "")).ToList();
        return new ComposedCaption(fit.Size, runs, block.Bounds, box, chain.Bold, lineTexts);
    }

    /// <summary>
    /// Splits a paragraph into runs by face, bidi level and span, and measures every UTF-16 unit in
    /// em of the layer's size (a span's relative size and the letter spacing included).
    /// </summary>
    public AnalyzedParagraph Analyze(string text, Func<SpanStyle, FontChain> chainOf, IReadOnlyList<TextSpan> spans, float letterSpacing)
    {
        var bidi = Bidi.Resolve(text);
        var levels = bidi.Levels;
        var flags = _breaks.Analyze(text);
        var units = new BreakUnit[text.Length];
        var faces = new SKTypeface[text.Length];
        var styles = new SpanStyle[text.Length];
        foreach (var span in spans)
        {
            styles.AsSpan(span.Start, span.Length).Fill(span.Style);
        }

        SKTypeface? previousFace = null;
        List<int>? missing = null;
        var index = 0;
        var clusterStart = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            clusterStart = (flags[index] & BreakMarks.ClusterStart) != 0 ? index : clusterStart;
            // A grapheme cluster stays in one face: marks, joiners, skin tones, flags, keycaps.
            var face = previousFace is not null && (flags[index] & BreakMarks.ClusterStart) == 0
                ? previousFace
                : fonts.FaceFor(chainOf(styles[index]), rune.Value, previousFace, emojiPresentation: NextIsEmojiSelector(text, index + rune.Utf16SequenceLength));
            for (var k = 0; k < rune.Utf16SequenceLength; k++)
            {
                faces[index + k] = face;
                units[index + k] = new BreakUnit(0, flags[index + k]);
            }

            // Drawn as a box unless drawn as nothing; fonts are picked per cluster, so the cluster is what is reported.
            if (!FontLibrary.IsIgnorable(rune.Value) && !FontLibrary.Draws(face, rune.Value) && (missing is null || missing[^1] != clusterStart))
            {
                (missing ??= []).Add(clusterStart);
            }

            previousFace = face;
            index += rune.Utf16SequenceLength;
        }

        var runs = new List<StyledRun>();
        var start = 0;
        for (var i = 1; i <= text.Length; i++)
        {
            if (i == text.Length || faces[i] != faces[start] || levels[i] != levels[start] || styles[i] != styles[start])
            {
                runs.Add(new StyledRun(start, i - start, faces[start], levels[start], styles[start]));
                start = i;
            }
        }

        foreach (var run in runs)
        {
            var scale = run.Span.Scale;
            var shaped = shaper.Shape(text, run.Start, run.Length, run.Face, (run.Level & 1) == 1, ReferenceSize * scale);
            for (var g = 0; g < shaped.Glyphs.Length; g++)
            {
                var end = g + 1 < shaped.Glyphs.Length ? shaped.Positions[g + 1].X : shaped.Width;
                var cluster = shaped.Clusters[g];
                units[cluster] = units[cluster] with { Advance = units[cluster].Advance + ((end - shaped.Positions[g].X) / ReferenceSize) };
            }

            if (letterSpacing != 0)
            {
                // Spacing follows every grapheme cluster, as CSS letter-spacing does.
                for (var i = run.Start; i < run.Start + run.Length; i++)
                {
                    if (units[i].IsClusterStart)
                    {
                        units[i] = units[i] with { Advance = units[i].Advance + (letterSpacing * scale) };
                    }
                }
            }
        }

        return new AnalyzedParagraph(text, units, runs, bidi.RightToLeft, letterSpacing)
        {
            Missing = missing is null ? [] : [.. missing.Select(start => text[start..ClusterEnd(flags, start)]).Distinct(StringComparer.Ordinal)],
        };
    }

    /// <summary>The paragraphs of a text, each with its spans (rebased to the paragraph).</summary>
    private static IEnumerable<(string Text, List<TextSpan> Spans)> Paragraphs(RichText rich)
    {
        var text = rich.Text;
        var start = 0;
        var spanIndex = 0;
        while (true)
        {
            var end = text.IndexOfAny(ParagraphSeparators, start);
            var stop = end < 0 ? text.Length : end;
            var spans = new List<TextSpan>();
            while (spanIndex < rich.Spans.Count)
            {
                var span = rich.Spans[spanIndex];
                var from = Math.Max(span.Start, start);
                var to = Math.Min(span.Start + span.Length, stop);
                if (from < to)
                {
                    spans.Add(new TextSpan(from - start, to - from, span.Style));
                }

                if (span.Start + span.Length > stop)
                {
                    break;
                }

                spanIndex++;
            }

            yield return (text[start..stop], spans);
            if (end < 0)
            {
                yield break;
            }

            start = end + 1;
        }
    }

    private sealed record ShapedLine(IReadOnlyList<ShapedRun> Runs, float Width);

    /// <summary>A span's family, weight and italic, inherited from the layer where the span sets none.</summary>
    private static SpanStyle Resolve(SpanStyle span, SpanStyle layer)
    {
        var weight = span.WeightOver(layer.Weight!.Value);
        return span with { Weight = weight, Bold = weight >= FontLibrary.BoldWeight, Italic = span.Italic || layer.Italic, Family = span.Family ?? layer.Family };
    }

    private ShapedLine ShapeLine(AnalyzedParagraph paragraph, LineSpan line, float size, SKTypeface ellipsisFace, SpanStyle layer)
    {
        var pieces = new List<StyledRun>();
        foreach (var run in paragraph.Runs)
        {
            var start = Math.Max(run.Start, line.Start);
            var end = Math.Min(run.Start + run.Length, line.End);
            if (start < end)
            {
                pieces.Add(run with { Start = start, Length = end - start });
            }
        }

        var order = Bidi.VisualOrder([.. pieces.Select(p => p.Level)]);
        var runs = new List<ShapedRun>(pieces.Count + 1);
        foreach (var i in order)
        {
            var piece = pieces[i];
            var shaped = shaper.Shape(paragraph.Text, piece.Start, piece.Length, piece.Face, (piece.Level & 1) == 1, size * piece.Span.Scale);
            shaped = paragraph.LetterSpacing == 0 ? shaped : Spaced(shaped, paragraph, piece, paragraph.LetterSpacing * size * piece.Span.Scale);
            runs.Add(shaped with { Span = piece.Span });
        }

        if (line.Ellipsis)
        {
            var ellipsis = shaper.Shape(EllipsisText, 0, EllipsisText.Length, ellipsisFace, false, size) with { Span = layer };
            runs.Insert(paragraph.RightToLeft ? 0 : runs.Count, ellipsis);
        }

        return new ShapedLine(runs, runs.Sum(r => r.Width));
    }

    /// <summary>
    /// Moves each glyph right by the spacing of the clusters visually left of it (logically before
    /// it in a left-to-right run, after it in a right-to-left one), and widens the run.
    /// </summary>
    private static ShapedRun Spaced(ShapedRun run, AnalyzedParagraph paragraph, StyledRun piece, float spacing)
    {
        var units = paragraph.Units;
        var positions = new SKPoint[run.Positions.Length];
        var end = piece.Start + piece.Length;
        for (var g = 0; g < positions.Length; g++)
        {
            var cluster = run.Clusters[g];
            var (from, to) = run.RightToLeft ? (cluster, end) : (piece.Start, cluster);
            var before = 0;
            for (var i = from; i < to; i++)
            {
                before += units[i].IsClusterStart ? 1 : 0;
            }

            positions[g] = new SKPoint(run.Positions[g].X + (before * spacing), run.Positions[g].Y);
        }

        var clusters = 0;
        for (var i = piece.Start; i < end; i++)
        {
            clusters += units[i].IsClusterStart ? 1 : 0;
        }

        return run with { Positions = positions, Width = run.Width + (clusters * spacing) };
    }

    private LineMetrics Metrics(List<AnalyzedParagraph> paragraphs, FontChain chain, TextStyle style)
    {
        float ascent = 0, descent = 0, leading = 0;
        foreach (var (face, scale) in paragraphs.SelectMany(p => p.Runs).Select(r => (r.Face, r.Span.Scale)).Append((chain.Primary, 1f)).Distinct())
        {
            var m = shaper.FontFor(face, ReferenceSize, embolden: false).Metrics;
            ascent = Math.Max(ascent, -m.Ascent * scale / ReferenceSize);
            descent = Math.Max(descent, m.Descent * scale / ReferenceSize);
            leading = Math.Max(leading, m.Leading * scale / ReferenceSize);
        }

        var spacing = (float)style.LineSpacing!.Value;
        return new LineMetrics(ascent, descent, (ascent + descent + leading) * spacing, (float)style.OutlineRatio!.Value / 2);
    }

    public void Dispose() => _breaks.Dispose();

    private static bool NextIsEmojiSelector(string text, int index) => index < text.Length && text[index] == '\uFE0F';
}
