using System.Net.Http.Json;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ImageJobs.Producer.Batches;
using ImageJobs.Tests.Support;
using SkiaSharp;

namespace ImageJobs.Tests.EndToEnd;

/// <summary>The real AppHost, in local-process mode, doing real batches: one while a worker is killed, one drawn with a stored template.</summary>
[Trait("Category", "EndToEnd")]
[Collection(AppHostGroup.Name)]
public sealed class PipelineTests(ITestOutputHelper output)
{
    private const int Images = 90;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task A_batch_completes_across_replicas_even_when_a_worker_is_killed_mid_job()
    {
        using var data = new ScratchDirectory("imagejobs-e2e");
        await using var app = await LocalAppHost.StartQuietAsync(data.Path, workers: 3, StartTimeout);

        var blobs = new BlobServiceClient(await app.GetConnectionStringAsync("blobs"));
        var sources = blobs.GetBlobContainerClient("sources");
        var results = blobs.GetBlobContainerClient("results");
        var originals = new Dictionary<string, byte[]>();
        await Parallel.ForAsync(0, Images, async (i, ct) =>
        {
            var image = TestImages.Jpeg(i, 1920, 1080);
            lock (originals)
            {
                originals[$"e2e/photo-{i:D3}.jpg"] = image;
            }

            await sources.UploadBlobAsync($"e2e/photo-{i:D3}.jpg", BinaryData.FromBytes(image), ct);
        });

        using var http = app.CreateHttpClient("producer");
        var response = await http.PostAsJsonAsync("/api/batches", new { prefix = "e2e/", template = "Photo {index} of " + Images });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        var batch = (await response.Content.ReadFromJsonAsync<BatchAccepted>())!;
        Assert.Equal(Images, batch.Total);

        // Kill, with SIGKILL, a worker that has already done a job: with prefetch 1 it holds another.
        var victim = await FirstWorkerPidAsync(results, batch.BatchId);
        Processes.Signal(victim, Processes.SigKill);
        output.WriteLine($"killed worker process {victim}");

        var status = await WaitUntilDoneAsync(http, batch.BatchId, TimeSpan.FromMinutes(3));
        Assert.Equal((Images, 0), (status.Succeeded, status.Failed));

        var workers = new HashSet<string>();
        var redelivered = 0;
        await foreach (var item in results.GetBlobsAsync(new GetBlobsOptions { Prefix = batch.BatchId + "/", Traits = BlobTraits.Metadata }))
        {
            workers.Add(item.Metadata["worker"]);
            redelivered += item.Metadata["redelivered"] == "true" ? 1 : 0;
            var source = Uri.UnescapeDataString(item.Metadata["source"]);
            using var original = SKBitmap.Decode(originals[source]);
            using var rendered = SKBitmap.Decode((await results.GetBlobClient(item.Name).DownloadContentAsync()).Value.Content.ToArray());
            Assert.NotNull(rendered);
            Assert.Equal((original.Width, original.Height), (rendered.Width, rendered.Height));
            Assert.True(TestImages.DifferingFraction(original, rendered) > 0.005, $"{item.Name} looks like its source");
            originals.Remove(source);
        }

        output.WriteLine($"results: {Images - originals.Count}, workers that did work: {workers.Count} ({string.Join(", ", workers)}), redelivered jobs: {redelivered}");
        Assert.Empty(originals);
        Assert.True(workers.Count >= 2, "prefetch 1 should spread the batch over the replicas");
        Assert.True(redelivered >= 1, "the killed worker's job should have gone back to the queue and been redelivered");
    }

    [Fact]
    public async Task A_layered_batch_draws_each_rows_values_into_the_template_its_batch_stored()
    {
        const int rows = 12;
        using var data = new ScratchDirectory("imagejobs-e2e");
        await using var app = await LocalAppHost.StartQuietAsync(data.Path, workers: 2, StartTimeout);
        var blobs = new BlobServiceClient(await app.GetConnectionStringAsync("blobs"));
        await blobs.GetBlobContainerClient("sources").UploadBlobAsync("e2e/card.jpg", BinaryData.FromBytes(TestImages.Jpeg(1, 800, 450)));
        using var http = app.CreateHttpClient("producer");
        var layers = new object[]
        {
            new { kind = "qr", name = "qr", box = new { unit = "Pixels", x = 500, y = 100, width = 280, height = 280 }, value = "https://example.org/verify/{id}" },
            new { kind = "text", name = "name", box = new { unit = "Percent", x = 0, y = 80, width = 60, height = 20 }, text = "{name}" },
        };
        Assert.Equal(System.Net.HttpStatusCode.Created, (await http.PostAsJsonAsync("/api/templates", new { name = "badge", layers, output = new { format = "Png" } })).StatusCode);

        var items = Enumerable.Range(0, rows).Select(i => new
        {
            source = "e2e/card.jpg",
            values = new Dictionary<string, string> { ["id"] = $"{i:D4}", ["name"] = $"Guest {i}" },
        });
        var response = await http.PostAsJsonAsync("/api/batches", new { templateName = "badge", items, outputName = "{id}.png" });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        var batch = (await response.Content.ReadFromJsonAsync<BatchAccepted>())!;
        // Edited while the batch runs: the batch draws the version it stored.
        await http.PutAsJsonAsync("/api/templates/badge", new { layers = new[] { new { kind = "text", name = "name", text = "edited" } } });

        var status = await WaitUntilDoneAsync(http, batch.BatchId, TimeSpan.FromMinutes(3));
        Assert.Equal((rows, 0), (status.Succeeded, status.Failed));
        var results = blobs.GetBlobContainerClient("results");
        for (var i = 0; i < rows; i++)
        {
            using var image = SKBitmap.Decode((await results.GetBlobClient($"{batch.BatchId}/{i:D4}.png").DownloadContentAsync()).Value.Content.ToArray());
            Assert.Equal($"https://example.org/verify/{i:D4}", CodeReader.Read(image, ZXing.BarcodeFormat.QR_CODE, SKRectI.Create(490, 90, 300, 300)).Text);
        }
    }

    private static async Task<int> FirstWorkerPidAsync(BlobContainerClient results, string batchId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            await foreach (var item in results.GetBlobsAsync(new GetBlobsOptions { Prefix = batchId + "/", Traits = BlobTraits.Metadata }))
            {
                var worker = item.Metadata["worker"];
                return int.Parse(worker[(worker.LastIndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("No result appeared within 2 minutes.");
    }

    private static async Task<BatchStatus> WaitUntilDoneAsync(HttpClient http, string batchId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        BatchStatus? status = null;
        while (DateTime.UtcNow < deadline)
        {
            status = await http.GetFromJsonAsync<BatchStatus>($"/api/batches/{batchId}");
            if (status!.Done)
            {
                return status;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"Batch {batchId} not done in {timeout}: {status}");
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AppHostGroup
{
    public const string Name = "AppHost";
}
