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

/// <summary>
/// The rows of a manifest as batch items, each with the line it came from, and every bad row; for
/// CSV, the column (1-based) of each field path (<c>source</c>, <c>text</c>, <c>style.color</c>), so a bad cell is named by line and column.
/// </summary>
public sealed record ManifestParse(IReadOnlyList<BatchItem> Items, IReadOnlyList<int> Lines, IReadOnlyList<ManifestError> Errors,
    IReadOnlyDictionary<string, int>? Columns = null);

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
    public static Dictionary<string, string[]> Validate(ManifestParse parse, TextStyle? batchStyle, BatchLimits limits) =>
        ValidateAs(parse, new SubmitBatchRequest { Items = parse.Items, Style = batchStyle }, limits);

    /// <summary>
    /// The manifest's rows checked as <paramref name="request"/> (which holds them as its items) would
    /// be: names, texts or values, styles, count; errors keyed by "line N".
    /// </summary>
    public static Dictionary<string, string[]> ValidateAs(ManifestParse parse, SubmitBatchRequest request, BatchLimits limits)
    {
        var errors = parse.Errors.GroupBy(e => ManifestErrors.Key(e.Line)).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray());
        return parse.Items.Count > 0 ? ManifestErrors.ByLine(BatchRequestValidator.Validate(request, limits), parse, errors) : ManifestErrors.ByLine(errors, parse);
    }

    private static ManifestParse ParseCsv(string content, BatchLimits limits)
    {
        var items = new List<BatchItem>();
        var lines = new List<int>();
        var errors = new List<ManifestError>();
        string[]? header = null;
        var columns = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        int imageColumn = -1, textColumn = -1, styleColumn = -1;
        foreach (var (line, fields) in Csv.Records(content, errors))
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

                for (var c = header.Length - 1; c >= 0; c--)
                {
                    columns[header[c]] = c + 1;
                }

                columns["source"] = columns["image"] = imageColumn + 1;

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
                    style = ManifestJson.Parse(fields[styleColumn]) as JsonObject ?? throw new JsonException("not an object");
                }
                catch (JsonException ex)
                {
                    styleError = $"column {styleColumn + 1} (style): not a JSON object ({ex.Message})";
                }
            }

            for (var c = 0; c < header.Length && styleError is null; c++)
            {
                if (c != imageColumn && c != textColumn && c != styleColumn && fields[c].Trim().Length > 0)
                {
                    Csv.SetPath(style, header[c], Csv.Scalar(fields[c].Trim()));
                }
            }

            var parsedStyle = styleError is null ? ReadStyle(style, columns, out styleError) : null;
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

        return new ManifestParse(items, lines, errors, columns);
    }

    private static ManifestParse ParseJsonLines(string content, BatchLimits limits) => ManifestJson.ReadLines(content, limits.MaxJobsPerBatch, MaxErrors, row =>
    {
        var unknown = row.Select(p => p.Key).Where(k => k is not ("image" or "source" or "text" or "style")).ToList();
        var image = (row["image"] ?? row["source"]) is JsonValue i && i.TryGetValue<string>(out var s) ? s : null;
        var caption = row["text"] is JsonValue t && t.TryGetValue<string>(out var c) ? c : null;
        string? styleError = unknown.Count > 0 ? $"unknown field(s): {string.Join(", ", unknown)}" : null;
        TextStyle? style = null;
        if (styleError is null && row["style"] is { } styleNode)
        {
            style = styleNode is JsonObject o ? ReadStyle(o, null, out styleError) : null;
            styleError ??= styleNode is JsonObject ? null : "style: must be an object";
        }

        return styleError is null ? (new BatchItem(image, caption, style), null) : (null, styleError);
    });

    /// <summary>The row's style, or null with why not: by the CSV column of the bad value when there is one.</summary>
    private static TextStyle? ReadStyle(JsonObject style, Dictionary<string, int>? columns, out string? error)
    {
        error = null;
        try
        {
            return style.Count == 0 ? null : style.Deserialize<TextStyle>(StyleJson);
        }
        catch (JsonException ex)
        {
            var path = ex.Path is { Length: > 2 } p && p.StartsWith("$.", StringComparison.Ordinal) ? p[2..] : null;
            error = path is not null && columns is not null && (columns.TryGetValue(path, out var column) || columns.TryGetValue("style", out column))
                ? $"column {column} ({(columns.ContainsKey(path) ? path : "style")}): {ex.Message}"
                : $"style: {ex.Message}";
            return null;
        }
        catch (ArgumentException ex)
        {
            // A style object naming one property twice.
            error = $"style: {ex.Message}";
            return null;
        }
    }
}
