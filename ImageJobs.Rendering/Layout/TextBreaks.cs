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
    private readonly RuleBasedBreakIterator _lines;
    private readonly RuleBasedBreakIterator _clusters;

    public TextBreaks()
    {
        IcuRuntime.EnsureInitialized();
        var root = new Locale("root"); // the default rules, no language tailoring
        _lines = new RuleBasedBreakIterator(BreakIterator.UBreakIteratorType.LINE, root);
        _clusters = new RuleBasedBreakIterator(BreakIterator.UBreakIteratorType.CHARACTER, root);
    }

    /// <summary>The flags of every UTF-16 code unit of <paramref name="text"/>.</summary>
    public BreakMarks[] Analyze(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var flags = new BreakMarks[text.Length];
        if (text.Length == 0)
        {
            return flags;
        }

        _clusters.SetText(text);
        foreach (var boundary in _clusters.Boundaries)
        {
            if (boundary < text.Length)
            {
                flags[boundary] |= BreakMarks.ClusterStart;
            }
        }

        // Never before the first character (LB2); the end of the text is always a break (LB3).
        _lines.SetText(text);
        foreach (var boundary in _lines.Boundaries)
        {
            if (boundary > 0 && boundary < text.Length)
            {
                flags[boundary] |= BreakMarks.LineBreak;
            }
        }

        for (var i = 0; i < text.Length; i++)
        {
            if (IsBreakableSpace(text[i]))
            {
                flags[i] |= BreakMarks.Space;
            }
        }

        return flags;
    }

    /// <summary>Whitespace other than the no-break spaces (which glue, class GL).</summary>
    private static bool IsBreakableSpace(char c) => c is not ('\u00A0' or '\u2007' or '\u202F') && char.IsWhiteSpace(c);

    public void Dispose()
    {
        _lines.Dispose();
        _clusters.Dispose();
    }
}
