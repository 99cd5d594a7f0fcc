using System.Globalization;
using System.Text;

namespace ImageJobs.Rendering.Layout;

/// <summary>The direction a character asks for, in the simplified bidi model below.</summary>
public enum StrongDirection : byte
{
    Neutral,
    LeftToRight,
    RightToLeft,
}

/// <summary>
/// A small, documented subset of the Unicode bidi algorithm (UAX #9), enough for captions:
/// letters of right-to-left scripts are strong RTL, other letters and all digits strong LTR
/// (digits read left to right in every script), everything else neutral. The paragraph takes
/// the direction of its first strong character (P2/P3); a run of neutrals between two strong
/// characters of one direction takes that direction, else the paragraph's (N1/N2); marks
/// follow their base. Levels: 0/1 in an LTR paragraph, 1/2 in an RTL one. Lines are reordered
/// by rule L2. Not handled: explicit embeddings and isolates, mirrored brackets.
/// </summary>
public static class Bidi
{
    public static StrongDirection DirectionOf(int codepoint)
    {
        if (IsRightToLeftScript(codepoint))
        {
            // Arabic-Indic digits are numbers: they read left to right.
            return codepoint is (>= 0x0660 and <= 0x0669) or (>= 0x06F0 and <= 0x06F9)
                ? StrongDirection.LeftToRight
                : StrongDirection.RightToLeft;
        }

        return CharUnicodeInfo.GetUnicodeCategory(codepoint) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.DecimalDigitNumber
                or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.LetterNumber => StrongDirection.LeftToRight,
            _ => StrongDirection.Neutral,
        };
    }

    /// <summary>Hebrew, Arabic, Syriac, Thaana, NKo, Samaritan, Mandaic, and their presentation forms.</summary>
    public static bool IsRightToLeftScript(int codepoint) =>
        codepoint is (>= 0x0590 and <= 0x08FF) or (>= 0xFB1D and <= 0xFDFF) or (>= 0xFE70 and <= 0xFEFF)
            or (>= 0x10800 and <= 0x10FFF) or (>= 0x1E800 and <= 0x1EFFF);

    /// <summary>Embedding level of every UTF-16 code unit of a paragraph (see the class summary).</summary>
    public static byte[] ResolveLevels(string text)
    {
        var directions = new StrongDirection[text.Length];
        var paragraph = StrongDirection.Neutral;
        var previous = StrongDirection.Neutral;
        var index = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            var direction = category is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format
                ? previous
                : DirectionOf(rune.Value);
            for (var k = 0; k < rune.Utf16SequenceLength; k++)
            {
                directions[index + k] = direction;
            }

            if (paragraph == StrongDirection.Neutral && direction != StrongDirection.Neutral)
            {
                paragraph = direction;
            }

            previous = direction;
            index += rune.Utf16SequenceLength;
        }

        var rtlParagraph = paragraph == StrongDirection.RightToLeft;
        var levels = new byte[text.Length];
        var i = 0;
        while (i < text.Length)
        {
            if (directions[i] != StrongDirection.Neutral)
            {
                levels[i] = Level(directions[i], rtlParagraph);
                i++;
                continue;
            }

            var end = i;
            while (end < text.Length && directions[end] == StrongDirection.Neutral)
            {
                end++;
            }

            var before = i > 0 ? directions[i - 1] : paragraph;
            var after = end < text.Length ? directions[end] : paragraph;
            var resolved = before == after && before != StrongDirection.Neutral
                ? before
                : rtlParagraph ? StrongDirection.RightToLeft : StrongDirection.LeftToRight;
            Array.Fill(levels, Level(resolved, rtlParagraph), i, end - i);
            i = end;
        }

        return levels;
    }

    private static byte Level(StrongDirection direction, bool rtlParagraph) => (direction, rtlParagraph) switch
    {
        (StrongDirection.RightToLeft, _) => 1,
        (_, true) => 2,
        _ => 0,
    };

    /// <summary>
    /// Rule L2: the visual order of items (runs) with the given levels, listed in logical order:
    /// from the highest level down to the lowest odd one, reverse every maximal sequence at that level or above.
    /// </summary>
    public static int[] VisualOrder(ReadOnlySpan<byte> levels)
    {
        var order = new int[levels.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        if (levels.IsEmpty)
        {
            return order;
        }

        byte highest = 0;
        byte lowestOdd = byte.MaxValue;
        foreach (var level in levels)
        {
            highest = Math.Max(highest, level);
            if ((level & 1) == 1)
            {
                lowestOdd = Math.Min(lowestOdd, level);
            }
        }

        for (var level = highest; level >= lowestOdd && level > 0; level--)
        {
            var i = 0;
            while (i < order.Length)
            {
                if (levels[order[i]] < level)
                {
                    i++;
                    continue;
                }

                var end = i;
                while (end < order.Length && levels[order[end]] >= level)
                {
                    end++;
                }

                order.AsSpan(i, end - i).Reverse();
                i = end;
            }
        }

        return order;
    }
}
