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
}
