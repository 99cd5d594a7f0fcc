// Over 300 lines: CSV and JSON Lines rows go through one row validator with per-line errors;
// splitting the CSV reader out (Csv.cs) is on the unlanded security branch (issue 15).
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ImageJobs.Rendering;

namespace ImageJobs.Producer.Batches;

public enum ManifestFormat
{
    Csv,
    JsonLines,
}

/// <summary>A manifest row gone wrong, by its line in the file (1-based, as an editor shows it).</summary>
public sealed record ManifestError(int Line, string Message);

/// <summary>The rows of a manifest as batch items, each with the line it came from, and every bad row.</summary>
public sealed record ManifestParse(IReadOnlyList<BatchItem> Items, IReadOnlyList<int> Lines, IReadOnlyList<ManifestError> Errors);

/// <summary>
/// Pure parsing of a batch manifest: CSV with a header row (<c>image</c> or <c>source</c>,
/// <c>text</c>, optional <c>style</c> as JSON, and any other column a style property such as
/// <c>color</c> or <c>shadow.color</c>), or JSON Lines (one object per line with the same
/// fields, <c>style</c> an object). Every bad row is reported, not just the first.
/// </summary>
public static class ManifestParser
{
    private const int MaxErrors = 1000;

    // Style enums carry their own string converters; a row's unknown style field is an error.
    private static readonly JsonSerializerOptions StyleJson = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public static ManifestFormat? FormatOf(string fileName) => Path.GetExtension(fileName).ToLowerInvariant() switch
    {
        ".csv" => ManifestFormat.Csv,
        ".jsonl" or ".ndjson" => ManifestFormat.JsonLines,
        _ => null,
    };

    public static ManifestParse Parse(string content, ManifestFormat format, BatchLimits limits)
    {
        var parse = format == ManifestFormat.Csv ? ParseCsv(content, limits) : ParseJsonLines(content, limits);
        if (parse.Items.Count == 0 && parse.Errors.Count == 0)
        {
            return parse with { Errors = [new ManifestError(1, "The manifest has no rows.")] };
        }

        return parse;
    }

    /// <summary>
    /// The manifest's rows checked as a batch (names, texts, styles, count), errors keyed by
    /// "line N" so a person can find each row in the file.
    /// </summary>
    public static Dictionary<string, string[]> Validate(ManifestParse parse, TextStyle? batchStyle, BatchLimits limits)
    {
        var errors = parse.Errors.GroupBy(e => Key(e.Line)).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToList());
        void Add(string key, string message)
        {
            if (!errors.TryGetValue(key, out var list))
            {
                errors[key] = list = [];
            }

            list.Add(message);
        }

        if (parse.Items.Count > 0)
        {
            var request = new SubmitBatchRequest { Items = parse.Items, Style = batchStyle };
            foreach (var (field, messages) in BatchRequestValidator.Validate(request, limits))
            {
                // "items[12].text" -> "line 14", "text: ..."; batch-wide problems keep their field.
                if (field.StartsWith("items[", StringComparison.Ordinal) && field.IndexOf(']', StringComparison.Ordinal) is var close and > 6
                    && int.TryParse(field.AsSpan(6, close - 6), NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < parse.Lines.Count)
                {
                    var property = field[(close + 1)..].TrimStart('.');
                    foreach (var message in messages)
                    {
                        Add(Key(parse.Lines[index]), property.Length > 0 ? $"{Friendly(property)}: {message}" : message);
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
        }

        return errors.OrderBy(e => e.Key.StartsWith("line ", StringComparison.Ordinal) ? int.Parse(e.Key.AsSpan(5), CultureInfo.InvariantCulture) : 0)
            .ToDictionary(e => e.Key, e => e.Value.ToArray());
    }

    private static string Friendly(string property) => property == "source" ? "image" : property;

    private static string Key(int line) => $"line {line.ToString(CultureInfo.InvariantCulture)}";

    private static ManifestParse ParseCsv(string content, BatchLimits limits)
    {
        var items = new List<BatchItem>();
        var lines = new List<int>();
        var errors = new List<ManifestError>();
        string[]? header = null;
        int imageColumn = -1, textColumn = -1, styleColumn = -1;
        foreach (var (line, fields) in CsvRecords(content, errors))
        {
            if (header is null)
            {
                header = fields.Select(f => f.Trim()).ToArray();
                imageColumn = Array.FindIndex(header, h => h.Equals("image", StringComparison.OrdinalIgnoreCase) || h.Equals("source", StringComparison.OrdinalIgnoreCase));
                textColumn = Array.FindIndex(header, h => h.Equals("text", StringComparison.OrdinalIgnoreCase));
                styleColumn = Array.FindIndex(header, h => h.Equals("style", StringComparison.OrdinalIgnoreCase));
                if (imageColumn < 0 || textColumn < 0)
                {
                    errors.Add(new ManifestError(line, "The header row must name an 'image' (or 'source') column and a 'text' column."));
                    break;
                }

                continue;
            }

            if (fields.Length == 1 && fields[0].Length == 0)
            {
                continue; // A blank line.
            }

            if (errors.Count >= MaxErrors || items.Count > limits.MaxJobsPerBatch)
            {
                break;
            }

            if (fields.Length != header.Length)
            {
                errors.Add(new ManifestError(line, $"{fields.Length} fields where the header has {header.Length}."));
                continue;
            }

            var style = new JsonObject();
            string? styleError = null;
            if (styleColumn >= 0 && fields[styleColumn].Trim().Length > 0)
            {
                try
                {
                    style = JsonNode.Parse(fields[styleColumn]) as JsonObject ?? throw new JsonException("not an object");
                }
                catch (JsonException ex)
                {
                    styleError = $"style: not a JSON object ({ex.Message})";
                }
            }

            for (var c = 0; c < header.Length && styleError is null; c++)
            {
                if (c != imageColumn && c != textColumn && c != styleColumn && fields[c].Trim().Length > 0)
                {
                    SetPath(style, header[c], Scalar(fields[c].Trim()));
                }
            }

            var parsedStyle = styleError is null ? ReadStyle(style, out styleError) : null;
            if (styleError is not null)
            {
                errors.Add(new ManifestError(line, styleError));
                continue;
            }

            items.Add(new BatchItem(fields[imageColumn].Trim(), fields[textColumn], parsedStyle));
            lines.Add(line);
        }

        if (header is null)
        {
            errors.Add(new ManifestError(1, "The manifest is empty: a header row (image,text,...) is required."));
        }

        return new ManifestParse(items, lines, errors);
    }

    private static ManifestParse ParseJsonLines(string content, BatchLimits limits)
    {
        var items = new List<BatchItem>();
        var lines = new List<int>();
        var errors = new List<ManifestError>();
        var lineNumber = 0;
        foreach (var raw in content.Split('\n'))
        {
            lineNumber++;
            var text = raw.TrimEnd('\r');
            if (text.Trim().Length == 0)
            {
                continue;
            }

            if (errors.Count >= MaxErrors || items.Count > limits.MaxJobsPerBatch)
            {
                break;
            }

            try
            {
                if (JsonNode.Parse(text) is not JsonObject row)
                {
                    errors.Add(new ManifestError(lineNumber, "Not a JSON object."));
                    continue;
                }

                var unknown = row.Select(p => p.Key).Where(k => k is not ("image" or "source" or "text" or "style")).ToList();
                var image = (row["image"] ?? row["source"]) is JsonValue i && i.TryGetValue<string>(out var s) ? s : null;
                var caption = row["text"] is JsonValue t && t.TryGetValue<string>(out var c) ? c : null;
                string? styleError = unknown.Count > 0 ? $"unknown field(s): {string.Join(", ", unknown)}" : null;
                TextStyle? style = null;
                if (styleError is null && row["style"] is { } styleNode)
                {
                    style = styleNode is JsonObject o ? ReadStyle(o, out styleError) : null;
                    styleError ??= styleNode is JsonObject ? null : "style: must be an object";
                }

                if (styleError is not null)
                {
                    errors.Add(new ManifestError(lineNumber, styleError));
                    continue;
                }

                items.Add(new BatchItem(image, caption, style));
                lines.Add(lineNumber);
            }
            catch (JsonException ex)
            {
                errors.Add(new ManifestError(lineNumber, $"Not valid JSON: {ex.Message}"));
            }
        }

        return new ManifestParse(items, lines, errors);
    }

    private static TextStyle? ReadStyle(JsonObject style, out string? error)
    {
        error = null;
        if (style.Count == 0)
        {
            return null;
        }

        try
        {
            return style.Deserialize<TextStyle>(StyleJson);
        }
        catch (JsonException ex)
        {
            error = $"style: {ex.Message}";
            return null;
        }
    }

    /// <summary>A CSV cell as JSON: numbers and true/false typed, everything else a string.</summary>
    private static JsonValue Scalar(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? JsonValue.Create(number)
        : bool.TryParse(value, out var flag) ? JsonValue.Create(flag)
        : JsonValue.Create(value);

    /// <summary>"shadow.color" -> { "shadow": { "color": value } }.</summary>
    private static void SetPath(JsonObject root, string path, JsonNode value)
    {
        var parts = path.Split('.');
        var node = root;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            if (node[parts[i]] is not JsonObject child)
            {
                node[parts[i]] = child = new JsonObject();
            }

            node = child;
        }

        node[parts[^1]] = value;
    }

    /// <summary>RFC 4180 records with the line each starts on: quoted fields may hold commas, quotes ("") and newlines.</summary>
    private static IEnumerable<(int Line, string[] Fields)> CsvRecords(string content, List<ManifestError> errors)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var line = 1;
        var start = 1;
        var quoted = false;
        var i = content.Length > 0 && content[0] == '\uFEFF' ? 1 : 0;
        for (; i < content.Length; i++)
        {
            var c = content[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < content.Length && content[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    line += c == '\n' ? 1 : 0;
                    field.Append(c);
                }
            }
            else if (c == '"' && field.Length == 0)
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (c is '\n' or '\r')
            {
                if (c == '\r' && i + 1 < content.Length && content[i + 1] == '\n')
                {
                    i++;
                }

                fields.Add(field.ToString());
                field.Clear();
                yield return (start, fields.ToArray());
                fields.Clear();
                line++;
                start = line;
            }
            else
            {
                field.Append(c);
            }
        }

        if (quoted)
        {
            errors.Add(new ManifestError(start, "A quoted field is not closed."));
        }
        else if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            yield return (start, fields.ToArray());
        }
    }
}
