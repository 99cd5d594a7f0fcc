using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ImageJobs.Contracts;
using ImageJobs.Contracts.Styles;
using ImageJobs.Contracts.Templates;
using ImageJobs.Producer.Batches;
using ImageJobs.Tests.Support;
using SkiaSharp;
using ZXing;

namespace ImageJobs.Tests.Integration;

/// <summary>
/// A batch whose template resizes, through the producer, a real RabbitMQ, a consuming worker and
/// Azurite: its jobs are published as schema version 4, and every result is fitted within the box
/// with its layers where the template puts them (a percent box of the result, a pixel box of the source).
/// </summary>
[Trait("Category", "Integration")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class ResizePipelineTests(LocalInfrastructure infrastructure)
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_resized_batch_is_published_as_version_4_and_drawn_at_its_new_size()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        var sources = infrastructure.Blobs().GetBlobContainerClient($"sources-{_suffix}");
        await sources.CreateIfNotExistsAsync();
        await sources.UploadBlobAsync("blank/white.png", BinaryData.FromBytes(Rendering.TestImages.Solid(1600, 1200, SKColors.White)));
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        var request = new
        {
            inlineTemplate = new
            {
                layers = new[]
                {
                    // Source pixels 160..480 x 120..360: at half size, 80..240 x 60..180.
                    new JobLayer("shape", "mark", new JobTextBox("Pixels", 160, 120, 320, 240), Fill: "#FF0000"),
                    // The right half of the result, whatever its size.
                    new JobLayer("qr", "link", new JobTextBox("Percent", 50, 0, 50, 100), Value: "https://example.org/v/{id}"),
                },
                output = new JobOutput("Png", Resize: new JobResize(800, 800)),
            },
            items = Enumerable.Range(0, 3).Select(i => new { source = "blank/white.png", values = new Dictionary<string, string> { ["id"] = $"{i:D4}" } }),
        };

        using var answer = await producer.Http.PostAsJsonAsync("/api/batches", request);
        Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        var batch = (await answer.Content.ReadFromJsonAsync<BatchAccepted>())!;
        Assert.All(await PublishedJobsAsync(batch.BatchId), job => Assert.Equal(RenderJob.ResizeSchemaVersion, job.SchemaVersion));

        using (var worker = ServiceHosts.Worker(infrastructure, _suffix))
        {
            await worker.StartAsync();
            try
            {
                var done = await BatchPolling.WaitForAsync(producer.Http, batch.BatchId, s => s.Done, TimeSpan.FromSeconds(120));
                Assert.Equal((3, 0), (done.Succeeded, done.Failed));
            }
            finally
            {
                await worker.StopAsync();
            }
        }

        var results = infrastructure.Blobs().GetBlobContainerClient($"results-{_suffix}");
        for (var i = 0; i < 3; i++)
        {
            var name = $"{batch.BatchId}/{i:D6}-white.png";
            using var image = SKBitmap.Decode((await results.GetBlobClient(name).DownloadContentAsync()).Value.Content.ToArray());
            Assert.Equal((800, 600), (image.Width, image.Height));
            var red = Rendering.TestImages.Count(image, (x, y, c) => c.Red > 200 && c.Green < 60);
            var redInside = Rendering.TestImages.Count(image, (x, y, c) => x is >= 79 and <= 240 && y is >= 59 and <= 180 && c.Red > 200 && c.Green < 60);
            Assert.Equal((160 * 120, red), (redInside, red));
            Assert.Equal($"https://example.org/v/{i:D4}", CodeReader.Read(image, BarcodeFormat.QR_CODE, SKRectI.Create(400, 0, 400, 600)).Text);
        }
    }

    /// <summary>The batch's jobs as the producer published them: its stored definition, beside the first publish.</summary>
    private async Task<List<RenderJob>> PublishedJobsAsync(string batchId)
    {
        var blob = infrastructure.Blobs().GetBlobContainerClient($"batches-{_suffix}").GetBlobClient($"{batchId}/jobs.jsonl.gz");
        await using var gzip = new GZipStream((await blob.DownloadStreamingAsync()).Value.Content, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        var jobs = new List<RenderJob>();
        while (await reader.ReadLineAsync() is { Length: > 0 } line)
        {
            jobs.Add(JsonSerializer.Deserialize(line, JobJson.Default.RenderJob)!);
        }

        Assert.Equal(3, jobs.Count);
        return jobs;
    }
}
