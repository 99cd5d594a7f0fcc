using Icu;

namespace ImageJobs.Rendering.Layout;

/// <summary>How a paragraph's base direction is chosen (UAX #9 P2/P3, or HL1 set by the caller).</summary>
public enum ParagraphDirection : byte
{
    /// <summary>From the first strong character outside isolates; left to right when there is none.</summary>
    Auto,
    LeftToRight,
    RightToLeft,
}

/// <summary>
/// A paragraph's resolved embedding levels, one per UTF-16 code unit (rules X1-I2 and L1 for the
/// paragraph's end); <see cref="Level"/> is the paragraph level (its base direction).
/// Characters removed by rule X9 (embedding controls, BN) get the level of a neighbour.
/// </summary>
public sealed record BidiParagraph(byte Level, byte[] Levels)
{
    public bool RightToLeft => (Level & 1) == 1;
}

/// <summary>
/// The Unicode bidirectional algorithm (UAX #9) in full, by ICU's ubidi: explicit embeddings,
/// overrides and isolates, weak types and numbers, paired brackets (N0). Mirroring (L4) is the
/// shaper's: HarfBuzz mirrors brackets in a right-to-left run.
/// </summary>
public static class Bidi
{
    /// <summary>ICU's "default LTR" paragraph level: P2/P3, left to right when no strong character.</summary>
    private const byte DefaultLeftToRight = 0xFE;


    /// <summary>Resolves the levels of one paragraph (a line of a caption, separators already split off).</summary>
    public static BidiParagraph Resolve(string text, ParagraphDirection direction = ParagraphDirection.Auto)
    {
        ArgumentNullException.ThrowIfNull(text);
        var requested = direction switch
        {
            ParagraphDirection.LeftToRight => (byte)0,
            ParagraphDirection.RightToLeft => (byte)1,
            _ => DefaultLeftToRight,
        };
        if (text.Length == 0)
        {
            return new BidiParagraph((byte)(requested & 1), []);
        }

        if (direction != ParagraphDirection.RightToLeft && !MayNeedBidi(text))
        {
            // Without R, AL, AN or an explicit formatting character every level resolves to 0 in a
            // left-to-right paragraph (ICU takes the same shortcut, after a longer look).
            return new BidiParagraph(0, new byte[text.Length]);
        }

        IcuRuntime.EnsureInitialized();
        using var bidi = new BiDi();
        bidi.SetPara(text, requested, null);
        var levels = bidi.GetLevels();
        return new BidiParagraph(bidi.GetParaLevel(), levels as byte[] ?? [.. levels]);
    }

    /// <summary>
    /// Whether the text has a character that may be R, AL or AN (assigned or not: the right-to-left
    /// blocks U+0590-08FF, FB1D-FDFF, FE70-FEFF and, by their surrogates, 10800-10FFF and 1E800-1EFFF)
    /// or is RLM or an explicit embedding, override or isolate (U+200F, 202A-202E, 2066-2069). No
    /// other code point has those classes (DerivedBidiClass.txt; a conformance test checks it).
    /// </summary>
    public static bool MayNeedBidi(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (c is (>= '\u0590' and <= '\u08FF') or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069')
                or (>= '\uFB1D' and <= '\uFDFF') or (>= '\uFE70' and <= '\uFEFF')
                or (>= '\uD802' and <= '\uD803') or (>= '\uD83A' and <= '\uD83B'))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Rule L2, by ICU's ubidi_reorderVisual: the visual order of items (characters, or runs of
    /// one level) given their levels in logical order; element i is the logical index shown i-th from the left.
    /// </summary>
    public static int[] VisualOrder(ReadOnlySpan<byte> levels)
    {
        var order = new int[levels.Length];
        if (levels.IndexOfAnyExcept((byte)0) < 0)
        {
            // All left to right at level 0: nothing to reverse, no need to ask ICU.
            for (var i = 0; i < order.Length; i++)
            {
                order[i] = i;
            }

            return order;
        }

        IcuRuntime.ReorderVisual(levels, order);
        return order;
    }
}
