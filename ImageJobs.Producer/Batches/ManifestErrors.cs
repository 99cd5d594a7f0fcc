using System.Globalization;

namespace ImageJobs.Producer.Batches;

/// <summary>A manifest's problems as a person finds them in the file: by line, and by CSV column where a row's field has one.</summary>
public static class ManifestErrors
{
    /// <summary>
    /// A batch's problems keyed by its items (<c>items[12].text</c>, <c>items[12]</c>) rekeyed by the
    /// rows' lines ("line 14", "text: ..."), merged into <paramref name="into"/>; batch-wide problems
    /// keep their field. Lines come first, in order.
    /// </summary>
    public static Dictionary<string, string[]> ByLine(IDictionary<string, string[]> errors, ManifestParse parse, Dictionary<string, string[]>? into = null)
    {
        var byLine = (into ?? []).ToDictionary(e => e.Key, e => e.Value.ToList());
        void Add(string key, string message)
        {
            if (!byLine.TryGetValue(key, out var list))
            {
                byLine[key] = list = [];
            }

            list.Add(message);
        }

        foreach (var (field, messages) in errors)
        {
            // "items[12].text" -> "line 14", "text: ..."; batch-wide problems keep their field.
            if (field.StartsWith("items[", StringComparison.Ordinal) && field.IndexOf(']', StringComparison.Ordinal) is var close and > 6
                && int.TryParse(field.AsSpan(6, close - 6), NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < parse.Lines.Count)
            {
                var property = field[(close + 1)..].TrimStart('.');
                foreach (var message in messages)
                {
                    Add(Key(parse.Lines[index]), property.Length > 0 ? $"{Where(property, parse.Columns)}: {message}" : message);
                }
            }
            else
            {
                foreach (var message in messages)
                {
                    Add(field == "items" ? "manifest" : field, message);
                }
            }
        }

        return byLine.OrderBy(e => e.Key.StartsWith("line ", StringComparison.Ordinal) ? int.Parse(e.Key.AsSpan(5), CultureInfo.InvariantCulture) : 0)
            .ToDictionary(e => e.Key, e => e.Value.ToArray());
    }

    /// <summary>A row's field as a person finds it: its CSV column when it has one ("column 3 (color)"), else its name.</summary>
    private static string Where(string property, IReadOnlyDictionary<string, int>? columns)
    {
        var friendly = property == "source" ? "image" : property;
        var cell = property.StartsWith("style.", StringComparison.Ordinal) ? property["style.".Length..] : property;
        return columns is not null && (columns.TryGetValue(cell, out var column) || columns.TryGetValue(friendly, out column))
            ? $"column {column.ToString(CultureInfo.InvariantCulture)} ({(property == "source" ? friendly : cell)})"
            : friendly;
    }

    /// <summary>A row's key in a manifest's problems: its line, as an editor shows it.</summary>
    public static string Key(int line) => $"line {line.ToString(CultureInfo.InvariantCulture)}";
}
