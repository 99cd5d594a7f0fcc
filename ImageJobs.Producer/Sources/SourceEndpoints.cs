using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ImageJobs.Producer.Access;
using ImageJobs.Rendering.Imaging;
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
        var sources = app.MapGroup("/api/sources").WithTags("Sources");

        // Multipart: image files and zips of images, stored under ?prefix= (streamed, see SourceUploader).
        sources.MapPost("/", async (HttpRequest request, string? prefix, SourceUploader uploader, SpoolBudget budget, IOptions<UploadLimits> limits, CancellationToken cancellationToken) =>
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

            // A zip in the body is spooled to disk: reserve what it may take first (the body's size, or a zip's limit).
            using var spool = budget.TryReserve(Math.Min(request.ContentLength ?? long.MaxValue, limits.Value.MaxZipBytes));
            if (spool is null)
            {
                request.HttpContext.Response.Headers.RetryAfter = "1";
                return Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "The temporary disk for uploads is in use by other uploads; try again shortly.");
            }

            UploadResult result;
            try
            {
                result = await uploader.UploadAsync(boundary, request.Body, normalized, spool.Bytes, cancellationToken);
            }
            catch (Exception ex) when (ex is InvalidDataException or (IOException and not BadHttpRequestException) && !cancellationToken.IsCancellationRequested)
            {
                // A malformed multipart body (no boundary, a part without headers, an unterminated part).
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["files"] = [$"The multipart body is malformed: {ex.Message}"] },
                    title: "The upload is malformed.");
            }

            return result.Uploaded.Count == 0 && result.Rejected.Count > 0 ? Results.BadRequest(result) : Results.Ok(result);
        }).DisableAntiforgery().RequireRateLimiting(UploadLimits.ConcurrencyPolicy)
            .RequireScope(ApiScopes.Submit)
            .WithName("UploadSources")
            .WithSummary("Upload image files and zips of images under ?prefix= (multipart, streamed)")
            .Accepts<IFormFileCollection>("multipart/form-data")
            .Produces<UploadResult>()
            .Produces<UploadResult>(StatusCodes.Status400BadRequest)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        // The same check as a batch's prefix: a name from outside, however it is used, is a plain relative one.
        sources.MapGet("/", (string? prefix, BlobServiceClient blobs, IOptions<StorageOptions> storage, CancellationToken cancellationToken) =>
            BlobNames.PrefixProblem(prefix) is { } problem
                ? Task.FromResult(Results.ValidationProblem(new Dictionary<string, string[]> { ["prefix"] = [$"The prefix is refused: {problem}."] }))
                : ListAsync(blobs.GetBlobContainerClient(storage.Value.SourcesContainer), prefix ?? string.Empty, "/api/sources/content/", cancellationToken))
            .WithName("ListSources")
            .WithSummary("Up to 1,000 source images under ?prefix=, with sizes and links")
            .Produces<IReadOnlyList<BlobFile>>()
            .ProducesValidationProblem();

        sources.MapGet("/content/{**name}", (string name, HttpContext context, BlobServiceClient blobs, IOptions<StorageOptions> storage, CancellationToken cancellationToken) =>
            DownloadAsync(blobs.GetBlobContainerClient(storage.Value.SourcesContainer), name, context, cancellationToken))
            .WithName("GetSource")
            .WithSummary("A source image, served as the format its bytes are")
            .ProducesBlob();

        return app;
    }

    /// <summary>A blob download's responses: the image (or other bytes as an attachment), a refused name, no such blob.</summary>
    public static RouteHandlerBuilder ProducesBlob(this RouteHandlerBuilder endpoint) => endpoint
        .Produces(StatusCodes.Status200OK, contentType: "image/jpeg", additionalContentTypes: ["image/png", "image/webp", "image/gif", "image/bmp", "application/octet-stream"])
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status404NotFound);

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

    /// <summary>
    /// Streams a blob to the client; only plain relative names are looked up. It is served as the
    /// image format its first bytes are (never as what its name or its uploader said: a "photo" of
    /// HTML would run as script in this origin), with a file name; anything else as an attachment.
    /// </summary>
    public static async Task<IResult> DownloadAsync(BlobContainerClient container, string name, HttpContext context, CancellationToken cancellationToken)
    {
        if (SourceNames.CheckPath(name) is { } problem)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: $"The blob name is refused: {problem}.");
        }

        BlobDownloadStreamingResult download;
        try
        {
            download = (await container.GetBlobClient(name).DownloadStreamingAsync(cancellationToken: cancellationToken)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: $"No blob '{name}'.");
        }

        var head = new byte[12];
        var read = await download.Content.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        var contentType = SourceImage.Sniff(head.AsSpan(0, read)) switch
        {
            SourceFormat.Jpeg => "image/jpeg",
            SourceFormat.Png => "image/png",
            SourceFormat.Webp => "image/webp",
            SourceFormat.Gif => "image/gif",
            SourceFormat.Bmp => "image/bmp",
            _ => null,
        };
        var disposition = new ContentDispositionHeaderValue(contentType is null ? "attachment" : "inline");
        disposition.SetHttpFileName(name[(name.LastIndexOf('/') + 1)..]);
        context.Response.Headers.ContentDisposition = disposition.ToString();
        // Nothing in a stored blob is a page: no script, no plugin, no form, whatever a browser makes of it.
        context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        return Results.Stream(async body =>
        {
            await using var content = download.Content;
            await body.WriteAsync(head.AsMemory(0, read), cancellationToken);
            await content.CopyToAsync(body, cancellationToken);
        }, contentType ?? "application/octet-stream");
    }
}
