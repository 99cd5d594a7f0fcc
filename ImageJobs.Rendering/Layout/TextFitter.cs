namespace ImageJobs.Rendering.Layout;

/// <summary>
/// What the fitter needs, all in em (fractions of the font size) except the box and sizes (pixels);
/// <see cref="FitRequest.MaxLines"/> 0 means no limit but the box.
/// Advances scale linearly with the size (shaping is unhinted), so the text is shaped once.
/// </summary>
public sealed record FitRequest(
    IReadOnlyList<BreakUnit[]> Paragraphs,
    float BoxWidth,
    float BoxHeight,
    float MinSize,
    float MaxSize,
    bool AutoFit,
    OverflowPolicy Overflow,
    LineMetrics Metrics,
    float EllipsisWidth,
    int MaxLines = 0);

/// <summary>Vertical metrics in em: ascent and descent (both positive), the distance between baselines, and the ink margin (outline) on every side.</summary>
public readonly record struct LineMetrics(float Ascent, float Descent, float LineAdvance, float InkMargin)
{
    /// <summary>Height of a block of <paramref name="lines"/> lines, in em, including the ink margin.</summary>
    public float BlockHeight(int lines) => lines <= 0 ? 0 : ((lines - 1) * LineAdvance) + Ascent + Descent + (2 * InkMargin);
}

/// <summary>The chosen size and the lines at that size; <see cref="Overflowed"/> when even the min size did not fit.</summary>
public sealed record FitResult(float Size, IReadOnlyList<LineSpan> Lines, bool CutWords, bool Overflowed);

/// <summary>Finds the font size and line breaks that make the text fit its box.</summary>
public static class TextFitter
{
    /// <summary>Stop the binary search once the size is known to this many pixels.</summary>
    private const float SizePrecision = 0.25f;

    public static FitResult Fit(FitRequest request)
    {
        var min = Math.Min(request.MinSize, request.MaxSize);
        var max = request.MaxSize;
        if (!request.AutoFit)
        {
            var atMax = TryLayout(request, max, allowCutWords: true);
            return atMax.Overflowed ? Overflow(request, max) : atMax;
        }

        // Prefer a size at which no word is cut; cut words only when nothing else fits.
        foreach (var allowCutWords in (ReadOnlySpan<bool>)[false, true])
        {
            var atMax = TryLayout(request, max, allowCutWords);
            if (!atMax.Overflowed)
            {
                return atMax;
            }

            var atMin = TryLayout(request, min, allowCutWords);
            if (atMin.Overflowed)
            {
                continue;
            }

            // Invariant: the text fits at `low` and does not at `high`.
            var (low, high, best) = (min, max, atMin);
            while (high - low > SizePrecision)
            {
                var middle = (low + high) / 2;
                var attempt = TryLayout(request, middle, allowCutWords);
                if (attempt.Overflowed)
                {
                    high = middle;
                }
                else
                {
                    (low, best) = (middle, attempt);
                }
            }

            return best;
        }

        return Overflow(request, min);
    }

    /// <summary>Wraps at <paramref name="size"/>; overflowed when the lines are taller than the box (or a word must be cut and that is not allowed).</summary>
    public static FitResult TryLayout(FitRequest request, float size, bool allowCutWords)
    {
        var metrics = request.Metrics;
        var lines = new List<LineSpan>();
        var width = (request.BoxWidth / size) - (2 * metrics.InkMargin);
        if (width <= 0)
        {
            return new FitResult(size, lines, false, true);
        }

        var cut = false;
        for (var p = 0; p < request.Paragraphs.Count; p++)
        {
            cut |= LineBreaker.Wrap(request.Paragraphs[p], p, width, lines);
        }

        var tooTall = metrics.BlockHeight(lines.Count) * size > request.BoxHeight + 1e-3f
            || (request.MaxLines > 0 && lines.Count > request.MaxLines);
        return new FitResult(size, lines, cut, tooTall || (cut && !allowCutWords));
    }

    /// <summary>Applies the overflow policy at <paramref name="size"/>: fail, or keep what fits and end with an ellipsis.</summary>
    private static FitResult Overflow(FitRequest request, float size)
    {
        var layout = TryLayout(request, size, allowCutWords: true);
        if (request.Overflow == OverflowPolicy.Fail)
        {
            return layout with { Overflowed = true };
        }

        var metrics = request.Metrics;
        var available = (request.BoxHeight / size) - metrics.Ascent - metrics.Descent - (2 * metrics.InkMargin);
        var fitting = available < 0 ? 0 : 1 + (int)MathF.Floor(available / metrics.LineAdvance);
        fitting = request.MaxLines > 0 ? Math.Min(fitting, request.MaxLines) : fitting;
        if (fitting == 0 || layout.Lines.Count == 0)
        {
            return layout with { Overflowed = true };
        }

        if (fitting >= layout.Lines.Count)
        {
            return layout with { Overflowed = false };
        }

        var lines = layout.Lines.Take(fitting).ToList();
        var last = lines[^1];
        var maxWidth = (request.BoxWidth / size) - (2 * metrics.InkMargin) - request.EllipsisWidth;
        lines[^1] = Truncate(request.Paragraphs[last.Paragraph], last, Math.Max(0, maxWidth));
        return new FitResult(size, lines, layout.CutWords, Overflowed: false);
    }

    /// <summary>Shortens a line until it and an ellipsis fit, cutting between grapheme clusters, dropping trailing spaces.</summary>
    public static LineSpan Truncate(ReadOnlySpan<BreakUnit> units, LineSpan line, float maxWidth)
    {
        var end = line.End;
        var width = line.Width;
        while (end > line.Start
               && (width > maxWidth + 1e-4f || units[end - 1].IsSpace
                   || (end < units.Length && !units[end].IsClusterStart)))
        {
            end--;
            width -= units[end].Advance;
        }

        return line with { End = end, Width = Math.Max(0, width), Ellipsis = true };
    }
}
