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

        IcuRuntime.EnsureInitialized();
        using var bidi = new BiDi();
        bidi.SetPara(text, requested, null);
        var levels = bidi.GetLevels();
        return new BidiParagraph(bidi.GetParaLevel(), levels as byte[] ?? [.. levels]);
    }

    /// <summary>
    /// Rule L2, by ICU's ubidi_reorderVisual: the visual order of items (characters, or runs of
    /// one level) given their levels in logical order; element i is the logical index shown i-th from the left.
    /// </summary>
    public static int[] VisualOrder(ReadOnlySpan<byte> levels)
    {
        var order = new int[levels.Length];
        IcuRuntime.ReorderVisual(levels, order);
        return order;
    }
}
