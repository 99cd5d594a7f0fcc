using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ImageJobs.Storage;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ImageJobs.Producer.Sources;

/// <summary>A blob as listed: its name, size, and where to download it through the producer.</summary>
public sealed record BlobFile(string Name, long Bytes, string Url);

public static class SourceEndpoints
{
    private const int MaxListed = 1000;

    public static IEndpointRouteBuilder MapSourceEndpoints(this IEndpointRouteBuilder app)
    {
        var sources = app.MapGroup("/api/sources");

        // Multipart: image files and zips of images, stored under ?prefix= (streamed, see SourceUploader).
        sources.MapPost("/", async (HttpRequest request, string? prefix, SourceUploader uploader, IOptions<UploadLimits> limits, CancellationToken cancellationToken) =>
        {
            if (SourceNames.CheckPrefix(prefix, out var normalized) is { } problem)
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["prefix"] = [problem] });
            }

            if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
                || !contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
                || HeaderUtilities.RemoveQuotes(contentType.Boundary).Value is not { Length: > 0 and <= 200 } boundary)
            {
                return Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Send multipart/form-data with image files or zips.");
            }

            if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            {
                size.MaxRequestBodySize = limits.Value.MaxRequestBytes;
            }

            var result = await uploader.UploadAsync(boundary, request.Body, normalized, cancellationToken);
            return result.Uploaded.Count == 0 && result.Rejected.Count > 0 ? Results.BadRequest(result) : Results.Ok(result);
        }).DisableAntiforgery();

        sources.MapGet("/", (string? prefix, BlobServiceClient blobs, IOptions<StorageOptions> storage, CancellationToken cancellationToken) =>
            ListAsync(blobs.GetBlobContainerClient(storage.Value.SourcesContainer), prefix ?? string.Empty, "/api/sources/content/", cancellationToken));

        sources.MapGet("/content/{**name}", (string name, BlobServiceClient blobs, IOptions<StorageOptions> storage, CancellationToken cancellationToken) =>
            DownloadAsync(blobs.GetBlobContainerClient(storage.Value.SourcesContainer), name, cancellationToken));

        return app;
    }

    public static async Task<IResult> ListAsync(BlobContainerClient container, string prefix, string urlBase, CancellationToken cancellationToken)
    {
        var files = new List<BlobFile>();
        await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken))
        {
            if (files.Count == MaxListed)
            {
                break;
            }

            files.Add(new BlobFile(blob.Name, blob.Properties.ContentLength ?? 0, urlBase + Uri.EscapeDataString(blob.Name).Replace("%2F", "/", StringComparison.Ordinal)));
        }

        return Results.Ok(files);
    }

    /// <summary>Streams a blob to the client; only plain relative names are looked up.</summary>
    public static async Task<IResult> DownloadAsync(BlobContainerClient container, string name, CancellationToken cancellationToken)
    {
        if (SourceNames.CheckPath(name) is { } problem)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: problem);
        }

        try
        {
            var response = await container.GetBlobClient(name).DownloadStreamingAsync(cancellationToken: cancellationToken);
            return Results.Stream(response.Value.Content, response.Value.Details.ContentType ?? SourceNames.ContentTypeOf(name),
                enableRangeProcessing: false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: $"No blob '{name}'.");
        }
    }
}
