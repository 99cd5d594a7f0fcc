namespace ImageJobs.Rendering.Layout;

/// <summary>How a UTF-16 code unit takes part in line breaking.</summary>
public enum BreakClass : byte
{
    /// <summary>Part of a word: a line may break before it only after a space or an ideograph.</summary>
    Normal,

    /// <summary>Whitespace: a line may break after it; it hangs (does not count) at a line's end.</summary>
    Space,

    /// <summary>CJK and the like: a line may break before and after it.</summary>
    Ideographic,

    /// <summary>A hyphen inside a word (well-known): a line may break after it.</summary>
    Hyphen,

    /// <summary>Closing punctuation (、。）): never starts a line unless a word must be cut.</summary>
    Closing,

    /// <summary>Inside a cluster (low surrogate, combining mark, ZWJ sequence): never split from what precedes.</summary>
    Continuation,
}

/// <summary>One UTF-16 code unit of a paragraph as the line breaker sees it: its advance in em and its class.</summary>
public readonly record struct BreakUnit(float Advance, BreakClass Class);

/// <summary>A laid line: code units [Start, End) of its paragraph (trailing spaces left out) and its width in em.</summary>
public readonly record struct LineSpan(int Paragraph, int Start, int End, float Width, bool Ellipsis = false);
