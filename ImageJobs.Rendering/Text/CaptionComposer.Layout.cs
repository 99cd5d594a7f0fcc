using System.Globalization;
using ImageJobs.Contracts;
using ImageJobs.Rendering.Layout;

namespace ImageJobs.Rendering.Text;

/// <summary>
/// A caption's layout without its drawing: the fit (size, lines, whether it overflowed or ends in an
/// ellipsis), the size the style prefers, and the clusters no face can draw.
/// </summary>
public sealed record CaptionMeasure(FitResult Fit, float PreferredSize, IReadOnlyList<string> Missing);

/// <summary>The layout a caption is composed from, and measured by (a pre-flight needs the fit, not the glyphs).</summary>
public sealed partial class CaptionComposer
{
    /// <summary>Lays the caption out as <see cref="Compose(RichText, TextStyle, int, int, UploadedFonts?)"/> would, without shaping the final lines or refusing anything but a missing font family.</summary>
    public CaptionMeasure Measure(RichText text, TextStyle style, int imageWidth, int imageHeight, UploadedFonts? uploaded = null)
    {
        var (paragraphs, _, _, _, _, fit) = Layout(text, style, imageWidth, imageHeight, uploaded);
        var missing = paragraphs.Count == 1 ? paragraphs[0].Missing : [.. paragraphs.SelectMany(p => p.Missing).Distinct(StringComparer.Ordinal)];
        return new CaptionMeasure(fit, (float)style.FontSizeRatio!.Value * imageHeight, missing);
    }

    /// <exception cref="JobFailedException"><c>text.missing_glyph</c>, naming the clusters (at most 10): drawn, they would be empty boxes.</exception>
    private static void RefuseMissingGlyphs(List<AnalyzedParagraph> paragraphs)
    {
        if (paragraphs.Exists(p => p.Missing.Count > 0))
        {
            throw new JobFailedException(ErrorCodes.MissingGlyph, "No available font has a glyph for "
                + string.Join(", ", paragraphs.SelectMany(p => p.Missing).Distinct(StringComparer.Ordinal).Take(10).Select(Describe)) + ".");
        }
    }

    /// <summary>A cluster as a message names it: itself and its code points (<c>'x' (U+0078)</c>).</summary>
    public static string Describe(string cluster) =>
        $"'{cluster}' ({string.Join(" ", cluster.EnumerateRunes().Select(r => string.Create(CultureInfo.InvariantCulture, $"U+{r.Value:X4}")))})";

    private (List<AnalyzedParagraph> Paragraphs, FontChain Chain, SpanStyle Layer, LineMetrics Metrics, LayoutRect Box, FitResult Fit) Layout(
        RichText text, TextStyle style, int imageWidth, int imageHeight, UploadedFonts? uploaded)
    {
        // Every span resolved under the layer (its family, weight, italic), so runs and painting read the span alone.
        var layer = new SpanStyle(style.EffectiveWeight >= FontLibrary.BoldWeight, style.Italic ?? false, false, null, 1, style.EffectiveWeight, style.FontFamily!);
        var chains = new Dictionary<(string, int, bool), FontChain>();
        FontChain ChainOf(SpanStyle span)
        {
            var key = (span.Family!, span.Weight!.Value, span.Italic);
            if (!chains.TryGetValue(key, out var found))
            {
                chains[key] = found = fonts.Chain(key.Item1, key.Item2, key.Item3, uploaded);
            }

            return found;
        }

        var chain = ChainOf(layer);
        var spacing = (float)style.LetterSpacing!.Value;
        var paragraphs = Paragraphs(text)
            .Select(p => Analyze(p.Text.Replace('\t', ' '), ChainOf, [.. p.Spans.Select(s => s with { Style = Resolve(s.Style, layer) })], spacing))
            .ToList();

        var metrics = Metrics(paragraphs, chain, style);
        var box = BlockPlacer.ResolveBox(style.Box!, imageWidth, imageHeight);
        var ellipsis = shaper.Shape(EllipsisText, 0, EllipsisText.Length, chain.Primary, false, ReferenceSize);
        var request = new FitRequest(
            [.. paragraphs.Select(p => p.Units)],
            box.Width,
            box.Height,
            (float)style.MinFontSizeRatio!.Value * imageHeight,
            (float)style.FontSizeRatio!.Value * imageHeight,
            style.AutoFit!.Value,
            style.Overflow!.Value,
            metrics,
            ellipsis.Width / ReferenceSize,
            style.MaxLines!.Value);
        return (paragraphs, chain, layer, metrics, box, TextFitter.Fit(request));
    }

    private static int ClusterEnd(BreakMarks[] flags, int start)
    {
        var end = start + 1;
        while (end < flags.Length && (flags[end] & BreakMarks.ClusterStart) == 0)
        {
            end++;
        }

        return end;
    }
}
