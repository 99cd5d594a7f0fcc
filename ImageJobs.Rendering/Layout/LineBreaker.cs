namespace ImageJobs.Rendering.Layout;

/// <summary>
/// Greedy line breaking on advances in em. Breaks at spaces and around ideographs (a small part
/// of UAX #14 that covers captions); a word wider than the line is cut between clusters.
/// </summary>
public static class LineBreaker
{
    private const float Epsilon = 1e-4f;

    /// <summary>Whether a line may break before <paramref name="i"/> without cutting a word.</summary>
    public static bool CanBreakBefore(ReadOnlySpan<BreakUnit> units, int i)
    {
        if (i <= 0 || i >= units.Length)
        {
            return false;
        }

        var before = units[i - 1].Class;
        var current = units[i].Class;
        return current switch
        {
            BreakClass.Continuation or BreakClass.Closing or BreakClass.Space => false,
            BreakClass.Ideographic => true,
            _ => before is BreakClass.Space or BreakClass.Ideographic or BreakClass.Hyphen,
        };
    }

    /// <summary>
    /// Wraps one paragraph into lines at most <paramref name="maxWidth"/> em wide and adds them to
    /// <paramref name="lines"/>; returns whether a word had to be cut.
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
            // A segment: non-space units up to the next break opportunity, then its spaces.
            var segmentContentEnd = segmentStart;
            var segmentContentWidth = 0f;
            while (segmentContentEnd < units.Length && units[segmentContentEnd].Class != BreakClass.Space
                   && (segmentContentEnd == segmentStart || !CanBreakBefore(units, segmentContentEnd)))
            {
                segmentContentWidth += units[segmentContentEnd].Advance;
                segmentContentEnd++;
            }

            var segmentEnd = segmentContentEnd;
            var spaceWidth = 0f;
            while (segmentEnd < units.Length && units[segmentEnd].Class == BreakClass.Space)
            {
                spaceWidth += units[segmentEnd].Advance;
                segmentEnd++;
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
                cutWord |= ContainsWordUnits(units[segmentStart..segmentContentEnd]);
                var pieceStart = segmentStart;
                var pieceWidth = 0f;
                var i = segmentStart;
                while (i < segmentContentEnd)
                {
                    var clusterEnd = i + 1;
                    var clusterWidth = units[i].Advance;
                    while (clusterEnd < segmentContentEnd && units[clusterEnd].Class == BreakClass.Continuation)
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

    private static bool ContainsWordUnits(ReadOnlySpan<BreakUnit> units)
    {
        foreach (var unit in units)
        {
            if (unit.Class is BreakClass.Normal)
            {
                return true;
            }
        }

        return false;
    }
}
