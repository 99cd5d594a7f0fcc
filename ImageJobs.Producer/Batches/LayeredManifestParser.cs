using System.Text.Json;
using System.Text.Json.Nodes;
using ImageJobs.Producer.Templates;

namespace ImageJobs.Producer.Batches;

/// <summary>
/// Which manifest column fills each placeholder of a template: the column <see cref="Mapping"/> names
/// for it, else the column of the placeholder's own name. Built-in placeholders (<c>{name}</c>,
/// <c>{index}</c>, ...) take a column only when the manifest has one.
/// </summary>
public sealed record ManifestBinding(IReadOnlyList<string> Placeholders, IReadOnlyDictionary<string, string>? Mapping = null)
{
    public const int MaxMappings = 200;

    public string ColumnFor(string placeholder) =>
        Mapping is not null && Mapping.TryGetValue(placeholder, out var column) ? column : placeholder;

    /// <summary>What is wrong with the mapping itself (a placeholder the template lacks, an empty or long column name), keyed by <c>mapping.key</c>.</summary>
    public Dictionary<string, string[]> Problems()
    {
        var problems = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (Mapping is null)
        {
            return problems;
        }

        if (Mapping.Count > MaxMappings)
        {
            problems["mapping"] = [$"At most {MaxMappings} placeholders can be mapped."];
            return problems;
        }

        foreach (var (placeholder, column) in Mapping)
        {
            if (!Placeholders.Contains(placeholder, StringComparer.Ordinal))
            {
                problems[$"mapping.{Shorten(placeholder)}"] = [$"The template has no placeholder {{{Shorten(placeholder)}}}."];
            }
            else if (column is null || column.Length is 0 or > FieldPattern.MaxKeyLength)
            {
                problems[$"mapping.{placeholder}"] = [$"A column name is 1 to {FieldPattern.MaxKeyLength} characters."];
            }
        }

        return problems;
    }

    private static string Shorten(string value) => value.Length <= FieldPattern.MaxKeyLength ? value : value[..FieldPattern.MaxKeyLength] + "...";
}

/// <summary>
/// A manifest's rows for a layered template (pure): CSV with a header row naming an <c>image</c> (or
/// <c>source</c>) column and the columns the placeholders read, or JSON Lines with an <c>image</c> and
/// a property per column (strings, numbers or booleans, taken as written). Each row's values are only
/// the columns the template reads, so a wide spreadsheet makes no wider jobs. A column the template
/// needs and the CSV header lacks is one error on the header's line; a JSON Lines row that lacks one is
/// reported on its own line when the template is filled (<see cref="TemplatePlan.Resolve"/>).
/// </summary>
public static class LayeredManifestParser
{
    private const int MaxErrors = 1000;

    public static ManifestParse Parse(string content, ManifestFormat format, ManifestBinding binding, BatchLimits limits)
    {
        var parse = format == ManifestFormat.Csv ? ParseCsv(content, binding, limits) : ParseJsonLines(content, binding, limits);
        return parse.Items.Count == 0 && parse.Errors.Count == 0 ? parse with { Errors = [new ManifestError(1, "The manifest has no rows.")] } : parse;
    }

    private static ManifestParse ParseCsv(string content, ManifestBinding binding, BatchLimits limits)
    {
        var items = new List<BatchItem>();
        var lines = new List<int>();
        var errors = new List<ManifestError>();
        (string Key, int Column)[]? reads = null;
        var imageColumn = -1;
        var width = 0;
        foreach (var (line, fields) in Csv.Records(content, errors))
        {
            if (reads is null)
            {
                var header = fields.Select(f => f.Trim()).ToArray();
                width = header.Length;
                imageColumn = Array.FindIndex(header, h => h.Equals("image", StringComparison.OrdinalIgnoreCase) || h.Equals("source", StringComparison.OrdinalIgnoreCase));
                if (imageColumn < 0)
                {
                    errors.Add(new ManifestError(line, "The header row must name an 'image' (or 'source') column."));
                    break;
                }

                reads = Reads(header, binding, line, errors);
                if (errors.Count > 0)
                {
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

            if (fields.Length != width)
            {
                errors.Add(new ManifestError(line, $"{fields.Length} fields where the header has {width}."));
                continue;
            }

            var values = new Dictionary<string, string>(reads.Length, StringComparer.Ordinal);
            foreach (var (key, column) in reads)
            {
                values[key] = fields[column];
            }

            items.Add(new BatchItem(fields[imageColumn].Trim(), null, null, values));
            lines.Add(line);
        }

        if (reads is null && errors.Count == 0)
        {
            errors.Add(new ManifestError(1, "The manifest is empty: a header row (image,...) is required."));
        }

        return new ManifestParse(items, lines, errors);
    }

    /// <summary>The header's column for each placeholder (exact name first, then ignoring case); a missing non-built-in one is an error on the header's line.</summary>
    private static (string Key, int Column)[] Reads(string[] header, ManifestBinding binding, int line, List<ManifestError> errors)
    {
        var reads = new List<(string, int)>();
        foreach (var key in binding.Placeholders)
        {
            var column = binding.ColumnFor(key);
            var index = Array.IndexOf(header, column);
            index = index >= 0 ? index : Array.FindIndex(header, h => h.Equals(column, StringComparison.OrdinalIgnoreCase));
            if (index >= 0)
            {
                reads.Add((key, index));
            }
            else if (!FieldPattern.IsBuiltIn(key) || column != key)
            {
                errors.Add(new ManifestError(line, column == key
                    ? $"column \"{key}\" is missing"
                    : $"column \"{column}\" (mapped to {{{key}}}) is missing"));
            }
        }

        return [.. reads];
    }

    private static ManifestParse ParseJsonLines(string content, ManifestBinding binding, BatchLimits limits) => ManifestJson.ReadLines(content, limits.MaxJobsPerBatch, MaxErrors, row =>
    {
        var image = (row["image"] ?? row["source"]) is JsonValue i && i.TryGetValue<string>(out var s) ? s : null;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in binding.Placeholders)
        {
            var column = binding.ColumnFor(key);
            switch (row[column])
            {
                case null when row.ContainsKey(column):
                    return (null, $"column \"{column}\" is null (give \"\" for an empty value)");
                case null:
                    break; // Missing: the template's fill says so, by column.
                case JsonValue value when value.GetValueKind() is JsonValueKind.String:
                    values[key] = value.GetValue<string>();
                    break;
                case JsonValue value when value.GetValueKind() is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False:
                    values[key] = value.ToJsonString();
                    break;
                default:
                    return (null, $"column \"{column}\" must be a string, a number or a boolean");
            }
        }

        return (new BatchItem(image, null, null, values), null);
    });
}
