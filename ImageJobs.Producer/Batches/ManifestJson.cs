using System.Text.Json;
using System.Text.Json.Nodes;

namespace ImageJobs.Producer.Batches;

/// <summary>JSON a manifest carries (a JSON Lines row, a CSV style cell) read as nodes, every string in it checked.</summary>
internal static class ManifestJson
{
    /// <summary>
    /// The text as a node, or a <see cref="JsonException"/> saying what is wrong. A node reads its
    /// strings only when they are used, so an escape that is no text (a lone surrogate such as
    /// <c>"\ud800"</c>) would surface later as an InvalidOperationException, far from its row:
    /// writing the tree once reads every string and name now.
    /// </summary>
    public static JsonNode? Parse(string text)
    {
        var node = JsonNode.Parse(text);
        try
        {
            _ = node?.ToJsonString();
        }
        catch (InvalidOperationException ex)
        {
            throw new JsonException($"A string is not valid text: {ex.Message}", ex);
        }

        return node;
    }

    /// <summary>
    /// A JSON Lines manifest's rows: every non-blank line an object, made an item by <paramref name="read"/>
    /// (or the row's problem); bad JSON is its line's error. Stops after <paramref name="maxErrors"/>
    /// problems or past <paramref name="maxRows"/> rows (the count check then refuses the batch).
    /// </summary>
    public static ManifestParse ReadLines(string content, int maxRows, int maxErrors, Func<JsonObject, (BatchItem? Item, string? Problem)> read)
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

            if (errors.Count >= maxErrors || items.Count > maxRows)
            {
                break;
            }

            try
            {
                var (item, problem) = Parse(text) is JsonObject row ? read(row) : (null, "Not a JSON object.");
                if (item is null)
                {
                    errors.Add(new ManifestError(lineNumber, problem!));
                    continue;
                }

                items.Add(item);
                lines.Add(lineNumber);
            }
            catch (JsonException ex)
            {
                errors.Add(new ManifestError(lineNumber, $"Not valid JSON: {ex.Message}"));
            }
            catch (ArgumentException ex)
            {
                // A JSON object naming one property twice: JsonObject refuses it when first read.
                errors.Add(new ManifestError(lineNumber, $"Not a valid row: {ex.Message}"));
            }
        }

        return new ManifestParse(items, lines, errors);
    }
}
