using System.Text.Json.Nodes;
using ImageJobs.Producer.Batches;
using ImageJobs.Producer.Preview;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ImageJobs.Producer.ApiReference;

/// <summary>An example of each message a client sends or reads most, as the README shows them.</summary>
public sealed class ApiExamples : IOpenApiSchemaTransformer
{
    private static readonly Dictionary<Type, string> Examples = new()
    {
        [typeof(SubmitBatchRequest)] = """
            { "items": [ { "source": "samples/sample-001.jpg", "text": "Hello" },
                         { "source": "samples/sample-002.jpg", "text": "World", "style": { "color": "#FFD700" } } ],
              "style": { "outlineColor": "#000000" } }
            """,
        [typeof(BatchAccepted)] = """
            { "batchId": "20261127-081500-1a2b3c4d", "total": 48, "statusUrl": "/api/batches/20261127-081500-1a2b3c4d" }
            """,
        [typeof(BatchStatus)] = """
            { "batchId": "20261127-081500-1a2b3c4d", "createdAt": "2026-11-27T08:15:00+00:00", "total": 48, "succeeded": 40, "failed": 1,
              "pending": 7, "retrying": 1, "inFlight": 3, "done": false,
              "failures": [ { "jobId": "20261127-081500-1a2b3c4d-000017", "errorCode": "image.corrupt", "error": "The image data is damaged." } ],
              "perSecond": 12.5, "etaSeconds": 0.6, "damage": null }
            """,
        [typeof(JobFailure)] = """
            { "jobId": "20261127-081500-1a2b3c4d-000017", "errorCode": "image.corrupt", "error": "The image data is damaged." }
            """,
        [typeof(RequeueRequest)] = """
            { "jobIds": [ "20261127-081500-1a2b3c4d-000017" ] }
            """,
        [typeof(PreviewRequest)] = """
            { "source": "samples/sample-001.jpg", "text": "Summer sale — 30% off", "style": { "anchor": "TopLeft", "color": "#FFD700" } }
            """,
    };

    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonPropertyInfo is null && Examples.TryGetValue(context.JsonTypeInfo.Type, out var example))
        {
            schema.Examples = [JsonNode.Parse(example)!];
        }

        return Task.CompletedTask;
    }
}
