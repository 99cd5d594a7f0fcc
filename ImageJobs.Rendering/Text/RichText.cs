using System.Globalization;
using System.Text;
using SkiaSharp;

namespace ImageJobs.Rendering.Text;

/// <summary>
/// How a stretch of rich text differs from its layer's style; the default changes nothing.
/// <paramref name="Weight"/> (100-900) and <paramref name="Family"/> are the span's own when set; <paramref name="Bold"/> is 700.
/// Once composed, a run's span holds the layer's values resolved under it (its family, weight, italic).
/// </summary>
public readonly record struct SpanStyle(bool Bold, bool Italic, bool Strike, SKColor? Color, float Scale, int? Weight = null, string? Family = null)
{
    public static SpanStyle Plain { get; } = new(false, false, false, null, 1);

    /// <summary>The weight drawn: the span's own, 700 when bold, else the layer's.</summary>
    public int WeightOver(int layerWeight) => Weight ?? (Bold ? 700 : layerWeight);
}

/// <summary>Text [Start, Start+Length) drawn with <paramref name="Style"/>.</summary>
public readonly record struct TextSpan(int Start, int Length, SpanStyle Style);

/// <summary>Plain text and the spans that cover it, in order, without gaps.</summary>
public sealed record RichText(string Text, IReadOnlyList<TextSpan> Spans)
{
    /// <summary>Tags may nest this deep; deeper nesting is refused (an untrusted text must not cost unbounded work).</summary>
    public const int MaxDepth = 16;

    /// <summary>The smallest and largest relative size a <c>[size=...]</c> tag may ask for (nested sizes multiply, within the same bounds).</summary>
    public const float MinScale = 0.25f, MaxScale = 4f;

    /// <summary>Text with no markup: one plain span (CR and CRLF become LF, as the composer reads them).</summary>
    public static RichText Literal(string text)
    {
        var normal = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        return new RichText(normal, normal.Length == 0 ? [] : [new TextSpan(0, normal.Length, SpanStyle.Plain)]);
    }

    /// <summary>
    /// Reads the markup: <c>[b]</c>, <c>[i]</c>, <c>[s]</c> (struck through), <c>[color=#RRGGBB]</c> or
    /// <c>#RRGGBBAA</c>, <c>[size=1.5]</c> (relative to the layer's size), <c>[weight=300]</c> (100-900)
    /// and <c>[font=Family name]</c> (a bundled or uploaded family), each closed by its
    /// <c>[/name]</c> in reverse order of opening; <c>[[</c> is a literal <c>[</c>. Anything else in
    /// brackets is an error, so a typo is never drawn as text.
    /// </summary>
    /// <returns>Null and a message (naming the character position) when the markup is invalid.</returns>
    public static RichText? TryParse(string markup, out string? error)
    {
        error = null;
        var text = new StringBuilder(markup.Length);
        var spans = new List<TextSpan>();
        var open = new Stack<(string Name, SpanStyle Outer)>();
        var style = SpanStyle.Plain;
        var spanStart = 0;

        void Switch(SpanStyle next)
        {
            if (text.Length > spanStart)
            {
                spans.Add(new TextSpan(spanStart, text.Length - spanStart, style));
            }

            spanStart = text.Length;
            style = next;
        }

        for (var i = 0; i < markup.Length; i++)
        {
            var c = markup[i];
            if (c == '\r')
            {
                text.Append('\n');
                i += i + 1 < markup.Length && markup[i + 1] == '\n' ? 1 : 0;
                continue;
            }

            if (c != '[')
            {
                text.Append(c);
                continue;
            }

            if (i + 1 < markup.Length && markup[i + 1] == '[')
            {
                text.Append('[');
                i++;
                continue;
            }

            var close = markup.IndexOf(']', i + 1);
            if (close < 0)
            {
                error = At(i, "'[' starts a tag that is never closed with ']' (write '[[' for a literal '[')");
                return null;
            }

            var tag = markup[(i + 1)..close];
            if (tag.StartsWith('/'))
            {
                var name = tag[1..];
                if (open.Count == 0 || open.Peek().Name != name)
                {
                    error = At(i, open.Count == 0 ? $"[{tag}] closes no open tag" : $"[{tag}] closes [{open.Peek().Name}]'s place; close [/{open.Peek().Name}] first");
                    return null;
                }

                Switch(open.Pop().Outer);
            }
            else
            {
                if (open.Count >= MaxDepth)
                {
                    error = At(i, $"tags nest deeper than {MaxDepth}");
                    return null;
                }

                var (name, next, problem) = Open(tag, style);
                if (problem is not null)
                {
                    error = At(i, problem);
                    return null;
                }

                open.Push((name, style));
                Switch(next);
            }

            i = close;
        }

        if (open.Count > 0)
        {
            error = $"[{open.Peek().Name}] is never closed with [/{open.Peek().Name}]";
            return null;
        }

        Switch(style);
        return new RichText(text.ToString(), spans);
    }

    /// <summary>The families the spans name, each once, in order of first use.</summary>
    public IEnumerable<string> Families() =>
        Spans.Select(s => s.Style.Family).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase);

    /// <summary>A value to put into markup as literal text: every '[' doubled.</summary>
    public static string Escape(string value) => value.Replace("[", "[[", StringComparison.Ordinal);

    private static (string Name, SpanStyle Next, string? Problem) Open(string tag, SpanStyle style)
    {
        var equals = tag.IndexOf('=');
        var name = equals < 0 ? tag : tag[..equals];
        var value = equals < 0 ? null : tag[(equals + 1)..];
        switch (name)
        {
            case "b" when value is null:
                return (name, style with { Bold = true, Weight = null }, null);
            case "weight":
                return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var weight) && weight is >= 100 and <= 900
                    ? (name, style with { Weight = weight, Bold = false }, null)
                    : (name, style, "[weight=...] needs a whole number from 100 to 900");
            case "font":
                return UploadedFonts.FamilyProblem(value?.Trim()) is { } familyProblem
                    ? (name, style, $"[font=...] needs a family name: the name {familyProblem}")
                    : (name, style with { Family = value!.Trim() }, null);
            case "i" when value is null:
                return (name, style with { Italic = true }, null);
            case "s" when value is null:
                return (name, style with { Strike = true }, null);
            case "color":
                return value is not null && ColorParser.TryParse(value, out var color)
                    ? (name, style with { Color = color }, null)
                    : (name, style, "[color=...] needs #RRGGBB or #RRGGBBAA");
            case "size":
                return float.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var scale) && scale is >= MinScale and <= MaxScale
                    ? (name, style with { Scale = Math.Clamp(style.Scale * scale, MinScale, MaxScale) }, null)
                    : (name, style, string.Create(CultureInfo.InvariantCulture, $"[size=...] needs a number from {MinScale} to {MaxScale}"));
            default:
                return (name, style, $"[{Shorten(tag)}] is not a tag (b, i, s, color=, size=, weight=, font=; write '[[' for a literal '[')");
        }
    }

    private static string At(int index, string problem) => string.Create(CultureInfo.InvariantCulture, $"at character {index + 1}: {problem}");

    private static string Shorten(string tag) => tag.Length > 20 ? tag[..20] + "..." : tag;
}
