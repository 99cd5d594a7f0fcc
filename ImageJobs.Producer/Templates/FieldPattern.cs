using System.Text;

namespace ImageJobs.Producer.Templates;

/// <summary>
/// A template field's text split at its placeholders: <c>{column}</c> takes the row's value of that
/// manifest column; <c>{name}</c>, <c>{stem}</c>, <c>{index}</c> (1-based) and <c>{meta:key}</c>
/// (the source blob's metadata, empty when absent) take the source's, unless the row has a column
/// of that name. <c>{{</c> and <c>}}</c> are literal braces; any other brace is an error, so a typo
/// is refused rather than printed. Parsed once per template, filled once per row.
/// </summary>
public sealed class FieldPattern
{
    public const int MaxKeyLength = 100;

    private readonly string[] _literals;
    private readonly string[] _keys;

    private FieldPattern(string[] literals, string[] keys)
    {
        _literals = literals;
        _keys = keys;
    }

    /// <summary>The placeholders' keys, in order (a key may repeat).</summary>
    public IReadOnlyList<string> Keys => _keys;

    public bool HasPlaceholders => _keys.Length > 0;

    public static bool IsBuiltIn(string key) => key is "name" or "stem" or "index" || key.StartsWith("meta:", StringComparison.Ordinal);

    /// <summary>The pattern, or null with the reason (naming the character position, 1-based).</summary>
    public static FieldPattern? TryParse(string text, out string? error)
    {
        error = null;
        var literals = new List<string>();
        var keys = new List<string>();
        var literal = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '{' or '}' && i + 1 < text.Length && text[i + 1] == c)
            {
                literal.Append(c);
                i++;
                continue;
            }

            if (c == '}')
            {
                error = $"character {i + 1}: '}}' closes no placeholder (write '}}}}' for a literal brace)";
                return null;
            }

            if (c != '{')
            {
                literal.Append(c);
                continue;
            }

            var close = text.IndexOfAny(['{', '}'], i + 1);
            if (close < 0 || text[close] != '}')
            {
                error = $"character {i + 1}: '{{' opens a placeholder that is not closed (write '{{{{' for a literal brace)";
                return null;
            }

            var key = text[(i + 1)..close].Trim();
            if (key.Length is 0 or > MaxKeyLength)
            {
                error = $"character {i + 1}: a placeholder names a column of 1 to {MaxKeyLength} characters";
                return null;
            }

            literals.Add(literal.ToString());
            literal.Clear();
            keys.Add(key);
            i = close;
        }

        literals.Add(literal.ToString());
        return new FieldPattern([.. literals], [.. keys]);
    }

    /// <summary>The text for one row; <paramref name="escape"/> is applied to each value put in (rich-text markup's).</summary>
    public string Fill(TemplateRow row, Func<string, string>? escape = null)
    {
        if (_keys.Length == 0)
        {
            return _literals[0];
        }

        if (_keys.Length == 1 && _literals[0].Length == 0 && _literals[1].Length == 0)
        {
            // A field that is one placeholder (the common case): its value as it is, no copy.
            var only = row.Value(_keys[0]) ?? "";
            return escape is null ? only : escape(only);
        }

        var text = new StringBuilder(_literals[0]);
        for (var i = 0; i < _keys.Length; i++)
        {
            var value = row.Value(_keys[i]) ?? "";
            text.Append(escape is null ? value : escape(value)).Append(_literals[i + 1]);
        }

        return text.ToString();
    }
}

/// <summary>
/// One row of a batch as placeholders see it: its source, its index in the batch, and its column
/// values (for a prefix batch, the source's metadata as <c>meta:key</c> columns).
/// </summary>
public sealed record TemplateRow(string Source, int Index, IReadOnlyDictionary<string, string>? Values)
{
    /// <summary>A placeholder's value; null when it names a column the row lacks.</summary>
    public string? Value(string key)
    {
        if (Values is not null && Values.TryGetValue(key, out var value))
        {
            return value;
        }

        return key switch
        {
            "name" => Batches.JobPlanner.NameAndStem(Source).Name,
            "stem" => Batches.JobPlanner.NameAndStem(Source).Stem,
            "index" => (Index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ when key.StartsWith("meta:", StringComparison.Ordinal) => "",
            _ => null,
        };
    }
}
