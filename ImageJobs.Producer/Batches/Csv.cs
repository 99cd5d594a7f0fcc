using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace ImageJobs.Producer.Batches;

/// <summary>The CSV half of manifest parsing: records as RFC 4180 has them, and cells as style JSON.</summary>
internal static class Csv
{
    /// <summary>
    /// A CSV cell as JSON: finite numbers and true/false typed, everything else a string (so "NaN"
    /// or "1e999" is a value the style refuses by its column, not a number JSON cannot hold).
    /// </summary>
    public static JsonValue Scalar(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number) ? JsonValue.Create(number)
        : bool.TryParse(value, out var flag) ? JsonValue.Create(flag)
        : JsonValue.Create(value);

    /// <summary>"shadow.color" -> { "shadow": { "color": value } }.</summary>
    public static void SetPath(JsonObject root, string path, JsonNode value)
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
    public static IEnumerable<(int Line, string[] Fields)> Records(string content, List<ManifestError> errors)
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
