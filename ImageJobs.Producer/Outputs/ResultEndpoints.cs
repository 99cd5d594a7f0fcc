using System.IO.Compression;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ImageJobs.Producer.Batches;
using ImageJobs.Producer.Sources;
using ImageJobs.Storage;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace ImageJobs.Producer.Outputs;

public static class ResultEndpoints
{
    public static IEndpointRouteBuilder MapResultEndpoints(this IEndpointRouteBuilder app)
    {
        // A batch's results: names, sizes and download links (through the producer: storage stays private).
        app.MapGet("/api/batches/{batchId}/results", async (string batchId, BatchTracker tracker, BlobServiceClient blobs, IOptions<StorageOptions> storage, CancellationToken cancellationToken) =>
            !BatchEndpoints.IsBatchId(batchId) || !await tracker.ExistsAsync(batchId, cancellationToken)
                ? BatchEndpoints.NoBatch(batchId)
                : await SourceEndpoints.ListAsync(ResultsContainer(blobs, storage), batchId + "/", "/api/results/", cancellationToken))
            .WithTags("Results")
            .WithName("ListResults")
            .WithSummary("A batch's results: names, sizes and download links")
            .Produces<IReadOnlyList<BlobFile>>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        app.MapGet("/api/results/{**name}", (string name, HttpContext context, BlobServiceClient blobs, IOptions<StorageOptions> storage, CancellationToken cancellationToken) =>
            SourceEndpoints.DownloadAsync(ResultsContainer(blobs, storage), name, context, cancellationToken))
            .WithTags("Results")
            .WithName("GetResult")
            .WithSummary("A result image, served as the format its bytes are")
            .ProducesBlob();

        // Every result of a batch in one zip, streamed as it is read: stored, not deflated (images are compressed already).
        app.MapGet("/api/batches/{batchId}/results.zip", async (string batchId, HttpContext context, BatchTracker tracker, BlobServiceClient blobs, IOptions<StorageOptions> storage, CancellationToken cancellationToken) =>
        {
            if (!BatchEndpoints.IsBatchId(batchId) || !await tracker.ExistsAsync(batchId, cancellationToken))
            {
                await BatchEndpoints.NoBatch(batchId).ExecuteAsync(context);
                return;
            }

            context.Response.ContentType = "application/zip";
            context.Response.Headers.ContentDisposition = $"attachment; filename=\"{batchId}-results.zip\"";
            // ZipArchive writes synchronously; the body is written as it goes, never buffered whole.
            context.Features.GetRequiredFeature<IHttpBodyControlFeature>().AllowSynchronousIO = true;
            var container = ResultsContainer(blobs, storage);
            using var zip = new ZipArchive(context.Response.Body, ZipArchiveMode.Create, leaveOpen: true);
            await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions { Prefix = batchId + "/" }, cancellationToken))
            {
                var entry = zip.CreateEntry(blob.Name[(batchId.Length + 1)..], CompressionLevel.NoCompression);
                await using var target = entry.Open();
                var source = await container.GetBlobClient(blob.Name).DownloadStreamingAsync(cancellationToken: cancellationToken);
                await using var content = source.Value.Content;
                await content.CopyToAsync(target, cancellationToken);
            }
        })
            .WithTags("Results")
            .WithName("GetResultsZip")
            .WithSummary("Every result of a batch in one zip, streamed")
            .Produces(StatusCodes.Status200OK, contentType: "application/zip")
            .ProducesProblem(StatusCodes.Status404NotFound);

        return app;
    }

    private static BlobContainerClient ResultsContainer(BlobServiceClient blobs, IOptions<StorageOptions> storage) =>
        blobs.GetBlobContainerClient(storage.Value.ResultsContainer);
}
