using System.Diagnostics;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ImageJobs.Rendering;

namespace ImageJobs.Benchmarks;

/// <summary>
/// Where a job's time goes: the worker's three stages (download the source, render, upload the
/// result) done one at a time against the pipeline's own Azurite, as JobProcessor does them.
/// </summary>
public sealed record StageTimings(double Download, double Render, double Upload)
{
    public static async Task<StageTimings> MeasureAsync(BlobServiceClient blobs, ImageRenderer renderer, byte[][] sources, int count)
    {
        var sourceContainer = blobs.GetBlobContainerClient("sources");
        var results = blobs.GetBlobContainerClient("results");
        var (download, render, upload) = (TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);
        for (var i = 0; i < count; i++)
        {
            var watch = Stopwatch.StartNew();
            var response = await sourceContainer.GetBlobClient(PipelineBenchmark.SourceName(i)).DownloadStreamingAsync();
            var buffer = new byte[response.Value.Details.ContentLength];
            await using (var content = response.Value.Content)
            {
                await content.ReadExactlyAsync(buffer);
            }

            download += watch.Elapsed;
            watch.Restart();
            var rendered = renderer.Render(buffer, PhotoSet.Caption, PhotoSet.Style);
            render += watch.Elapsed;
            watch.Restart();
            await results.GetBlobClient($"stages/{i}.jpg").UploadAsync(BinaryData.FromBytes(rendered.Data), new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = rendered.ContentType },
            });
            upload += watch.Elapsed;
        }

        return new StageTimings(download.TotalMilliseconds / count, render.TotalMilliseconds / count, upload.TotalMilliseconds / count);
    }
}
