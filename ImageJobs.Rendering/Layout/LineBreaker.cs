namespace ImageJobs.Rendering.Layout;

/// <summary>
/// Greedy line breaking on advances in em, at the break opportunities the units carry (UAX #14,
/// from <see cref="TextBreaks"/>); trailing spaces hang. A segment between two opportunities that
/// is wider than the line on its own is cut between grapheme clusters (never inside one).
/// </summary>
public static class LineBreaker
{
    private const float Epsilon = 1e-4f;

    /// <summary>
    /// Wraps one paragraph into lines at most <paramref name="maxWidth"/> em wide and adds them to
    /// <paramref name="lines"/>; returns whether a segment was wider than the line (and had to be cut).
    /// </summary>
    public static bool Wrap(ReadOnlySpan<BreakUnit> units, int paragraph, float maxWidth, List<LineSpan> lines)
    {
        if (units.IsEmpty)
        {
            lines.Add(new LineSpan(paragraph, 0, 0, 0));
            return false;
        }

        var cutWord = false;
        var lineStart = 0;
        var contentEnd = 0;      // end of the line's last non-space unit
        var contentWidth = 0f;   // width up to contentEnd
        var fullWidth = 0f;      // width including the trailing spaces
        var segmentStart = 0;
        while (segmentStart < units.Length)
        {
            // A segment: the units up to the next break opportunity; the spaces it ends with hang.
            var segmentEnd = segmentStart + 1;
            while (segmentEnd < units.Length && !units[segmentEnd].IsLineBreak)
            {
                segmentEnd++;
            }

            var segmentContentEnd = segmentEnd;
            var spaceWidth = 0f;
            while (segmentContentEnd > segmentStart && units[segmentContentEnd - 1].IsSpace)
            {
                segmentContentEnd--;
                spaceWidth += units[segmentContentEnd].Advance;
            }

            var segmentContentWidth = 0f;
            for (var i = segmentStart; i < segmentContentEnd; i++)
            {
                segmentContentWidth += units[i].Advance;
            }

            var lineIsEmpty = fullWidth == 0 && contentEnd == lineStart;
            if (!lineIsEmpty && fullWidth + segmentContentWidth > maxWidth + Epsilon)
            {
                lines.Add(new LineSpan(paragraph, lineStart, contentEnd, contentWidth));
                lineStart = contentEnd = segmentStart;
                contentWidth = fullWidth = 0;
            }

            if (segmentContentWidth > maxWidth + Epsilon)
            {
                // Too wide even alone: cut between clusters, keeping the last piece on the current line.
                cutWord = true;
                var pieceStart = segmentStart;
                var pieceWidth = 0f;
                var i = segmentStart;
                while (i < segmentContentEnd)
                {
                    var clusterEnd = i + 1;
                    var clusterWidth = units[i].Advance;
                    while (clusterEnd < segmentContentEnd && !units[clusterEnd].IsClusterStart)
                    {
                        clusterWidth += units[clusterEnd].Advance;
                        clusterEnd++;
                    }

                    if (i > pieceStart && pieceWidth + clusterWidth > maxWidth + Epsilon)
                    {
                        lines.Add(new LineSpan(paragraph, pieceStart, i, pieceWidth));
                        pieceStart = i;
                        pieceWidth = 0;
                    }

                    pieceWidth += clusterWidth;
                    i = clusterEnd;
                }

                lineStart = pieceStart;
                contentWidth = pieceWidth;
            }
            else
            {
                contentWidth = fullWidth + segmentContentWidth;
            }

            contentEnd = segmentContentEnd;
            fullWidth = contentWidth + spaceWidth;
            segmentStart = segmentEnd;
        }

        lines.Add(new LineSpan(paragraph, lineStart, contentEnd, contentWidth));
        return cutWord;
    }
}
