using Icu;

namespace ImageJobs.Rendering.Layout;

/// <summary>
/// Where text may break, by ICU: line break opportunities by UAX #14 (its line iterator:
/// dictionary-based for Thai, Lao, Khmer and Myanmar, the CJK rules such as no break before
/// closing punctuation or small kana) and grapheme clusters by UAX #29 (its character iterator),
/// as <see cref="BreakMarks"/> per UTF-16 code unit. Not thread-safe: the two iterators are
/// opened once and reused (opening one costs more than using it), so keep one per thread.
/// </summary>
public sealed class TextBreaks : IDisposable
{
    private readonly BreakIteratorHandle _lines;
    private readonly BreakIteratorHandle _clusters;

    public TextBreaks()
    {
        IcuRuntime.EnsureInitialized();
        _lines = IcuRuntime.OpenBreakIterator(BreakIterator.UBreakIteratorType.LINE);
        _clusters = IcuRuntime.OpenBreakIterator(BreakIterator.UBreakIteratorType.CHARACTER);
    }

    /// <summary>The marks of every UTF-16 code unit of <paramref name="text"/>.</summary>
    public unsafe BreakMarks[] Analyze(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var marks = new BreakMarks[text.Length];
        if (text.Length == 0)
        {
            return marks;
        }

        fixed (char* pinned = text)
        {
            if (IsPrintableAscii(text))
            {
                // No printable ASCII character extends or joins another (UAX #29 GB999): one cluster each.
                marks.AsSpan().Fill(BreakMarks.ClusterStart);
            }
            else
            {
                marks[0] = BreakMarks.ClusterStart;
                IcuRuntime.SetText(_clusters, pinned, text.Length);
                for (var boundary = IcuRuntime.Next(_clusters); boundary is > 0 && boundary < text.Length; boundary = IcuRuntime.Next(_clusters))
                {
                    marks[boundary] |= BreakMarks.ClusterStart;
                }
            }

            // Never before the first character (LB2); the end of the text is always a break (LB3).
            IcuRuntime.SetText(_lines, pinned, text.Length);
            for (var boundary = IcuRuntime.Next(_lines); boundary is > 0 && boundary < text.Length; boundary = IcuRuntime.Next(_lines))
            {
                marks[boundary] |= BreakMarks.LineBreak;
            }
        }

        for (var i = 0; i < text.Length; i++)
        {
            if (IsBreakableSpace(text[i]))
            {
                marks[i] |= BreakMarks.Space;
            }
        }

        return marks;
    }

    private static bool IsPrintableAscii(string text)
    {
        foreach (var c in text)
        {
            if (c is < ' ' or > '~')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whitespace other than the no-break spaces (which glue, class GL).</summary>
    private static bool IsBreakableSpace(char c) => c is not ('\u00A0' or '\u2007' or '\u202F') && char.IsWhiteSpace(c);

    public void Dispose()
    {
        _lines.Dispose();
        _clusters.Dispose();
    }
}
