namespace ImageJobs.Rendering.Layout;

/// <summary>What the text allows before a UTF-16 code unit, from ICU (see <see cref="TextBreaks"/>).</summary>
[Flags]
public enum BreakMarks : byte
{
    None = 0,

    /// <summary>A grapheme cluster (UAX #29) starts here: text may be cut or ended before it.</summary>
    ClusterStart = 1,

    /// <summary>A line break opportunity (UAX #14) before this unit.</summary>
    LineBreak = 2,

    /// <summary>Breakable whitespace: it hangs (does not count) at a line's end.</summary>
    Space = 4,
}

/// <summary>One UTF-16 code unit of a paragraph as the line breaker sees it: its advance in em and its flags.</summary>
public readonly record struct BreakUnit(float Advance, BreakMarks Flags)
{
    public bool IsClusterStart => (Flags & BreakMarks.ClusterStart) != 0;

    public bool IsLineBreak => (Flags & BreakMarks.LineBreak) != 0;

    public bool IsSpace => (Flags & BreakMarks.Space) != 0;
}

/// <summary>A laid line: code units [Start, End) of its paragraph (trailing spaces left out) and its width in em.</summary>
public readonly record struct LineSpan(int Paragraph, int Start, int End, float Width, bool Ellipsis = false);
