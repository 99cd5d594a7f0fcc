using System.Text.Json;
using ImageJobs.Contracts;
using ImageJobs.Contracts.Templates;
using ImageJobs.Rendering;
using ImageJobs.Rendering.Templates;
using ImageJobs.Storage;
using ImageJobs.Tests.Support;
using ImageJobs.Worker.Processing;
using Microsoft.Extensions.DependencyInjection;
using SkiaSharp;
using ZXing;

namespace ImageJobs.Tests.Integration;

/// <summary>
/// A worker's processor on layered jobs against a real Azurite: version 2 (the template carried
/// whole) and version 3 (the batch's stored template and the job's fills); pictures named by image
/// layers come from the sources container through the bounded download.
/// </summary>
[Trait("Category", "Integration")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class TemplateJobTests(LocalInfrastructure infrastructure)
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_template_job_read_from_its_message_is_drawn_with_its_picture_and_codes()
    {
        var sources = infrastructure.Blobs().GetBlobContainerClient($"sources-{_suffix}");
        var results = infrastructure.Blobs().GetBlobContainerClient($"results-{_suffix}");
        await sources.CreateIfNotExistsAsync();
        await results.CreateIfNotExistsAsync();
        await sources.UploadBlobAsync("photo.jpg", BinaryData.FromBytes(Support.TestImages.Jpeg(3, 800, 450)));
        await sources.UploadBlobAsync("brand/logo.png", BinaryData.FromBytes(Rendering.TestImages.Logo(120, 80)));
        var template = new Template
        {
            Layers =
            [
                new ImageLayer { Name = "logo", ImageName = "brand/logo.png", Box = new TextBoxStyle { Unit = BoxUnit.Pixels, X = 20, Y = 20, Width = 240, Height = 160 } },
                new QrLayer { Name = "qr", Value = "https://example.org/verify/0042", Box = new TextBoxStyle { Unit = BoxUnit.Pixels, X = 500, Y = 100, Width = 280, Height = 280 } },
                new TextLayer { Name = "name", Text = "Ada [b]Lovelace[/b]", Box = new TextBoxStyle { Unit = BoxUnit.Percent, X = 0, Y = 80, Width = 60, Height = 20 } },
            ],
            Output = new OutputStyle { Format = OutputFormat.Png },
        };
        var job = Job("photo.jpg", template);

        using var host = ServiceHosts.Worker(infrastructure, _suffix, consume: false);
        var processor = host.Services.GetRequiredService<JobProcessor>();
        var read = JobMessageReader.Read(JsonSerializer.SerializeToUtf8Bytes(job, JobJson.Default.RenderJob));
        var result = await processor.ProcessAsync(read, new DeliveryInfo(1, false, "test"), CancellationToken.None);

        Assert.EndsWith(".png", result.ResultBlob);
        var bytes = (await results.GetBlobClient(result.ResultBlob).DownloadContentAsync()).Value.Content.ToArray();
        using var image = SKBitmap.Decode(bytes);
        Assert.Equal((800, 450), (image.Width, image.Height));
        // The logo's red circle is drawn where the image layer puts it (contained, centred in its box).
        var logo = image.GetPixel(100, 100);
        Assert.True(logo.Red > 180 && logo.Green < 100, $"expected the logo's red at (100, 100), got {logo}");
        Assert.Equal("https://example.org/verify/0042", CodeReader.Read(image, BarcodeFormat.QR_CODE, SKRectI.Create(490, 90, 300, 300)).Text);
    }

    [Fact]
    public async Task A_picture_missing_from_storage_fails_the_job_with_its_own_code()
    {
        var sources = infrastructure.Blobs().GetBlobContainerClient($"sources-{_suffix}");
        await sources.CreateIfNotExistsAsync();
        await sources.UploadBlobAsync("photo.jpg", BinaryData.FromBytes(Support.TestImages.Jpeg(4)));
        var template = new Template { Layers = [new ImageLayer { Name = "logo", ImageName = "brand/absent.png" }] };

        using var host = ServiceHosts.Worker(infrastructure, _suffix, consume: false);
        var processor = host.Services.GetRequiredService<JobProcessor>();
        var ex = await Assert.ThrowsAsync<JobFailedException>(() => processor.ProcessAsync(Job("photo.jpg", template), new DeliveryInfo(1, false, "test"), CancellationToken.None));

        Assert.Equal(ErrorCodes.TemplateImageMissing, ex.Code);
        Assert.Contains("brand/absent.png", ex.Message);
    }

    [Fact]
    public async Task An_invalid_template_fails_before_any_picture_is_fetched()
    {
        var sources = infrastructure.Blobs().GetBlobContainerClient($"sources-{_suffix}");
        await sources.CreateIfNotExistsAsync();
        await sources.UploadBlobAsync("photo.jpg", BinaryData.FromBytes(Support.TestImages.Jpeg(5)));
        // The picture does not exist either: the template's own problem must be the one reported.
        var template = new Template
        {
            Layers = [new ImageLayer { Name = "logo", ImageName = "brand/absent.png" }, new BarcodeLayer { Name = "ean", Value = "4006381333932", Symbology = BarcodeSymbology.Ean13 }],
        };

        using var host = ServiceHosts.Worker(infrastructure, _suffix, consume: false);
        var processor = host.Services.GetRequiredService<JobProcessor>();
        var ex = await Assert.ThrowsAsync<JobFailedException>(() => processor.ProcessAsync(Job("photo.jpg", template), new DeliveryInfo(1, false, "test"), CancellationToken.None));

        Assert.Equal(ErrorCodes.InvalidTemplate, ex.Code);
        Assert.Contains("layers[1].value", ex.Message);
    }

    [Fact]
    public async Task A_version_3_job_fills_its_batchs_stored_template_read_once_per_batch()
    {
        var sources = infrastructure.Blobs().GetBlobContainerClient($"sources-{_suffix}");
        var results = infrastructure.Blobs().GetBlobContainerClient($"results-{_suffix}");
        var batches = infrastructure.Blobs().GetBlobContainerClient($"batches-{_suffix}");
        await Task.WhenAll(sources.CreateIfNotExistsAsync(), results.CreateIfNotExistsAsync(), batches.CreateIfNotExistsAsync());
        await sources.UploadBlobAsync("photo.jpg", BinaryData.FromBytes(Support.TestImages.Jpeg(6, 800, 450)));
        var stored = new Template
        {
            Layers =
            [
                new QrLayer { Name = "qr", Value = "{url}", Box = new TextBoxStyle { Unit = BoxUnit.Pixels, X = 500, Y = 100, Width = 280, Height = 280 } },
                new TextLayer { Name = "name", Text = "{name}", Box = new TextBoxStyle { Unit = BoxUnit.Percent, X = 0, Y = 80, Width = 60, Height = 20 } },
            ],
            Output = new OutputStyle { Format = OutputFormat.Png },
        }.ToContract("badge", 2);
        using var host = ServiceHosts.Worker(infrastructure, _suffix, consume: false);
        await host.Services.GetRequiredService<BatchTemplates>().SaveAsync($"t-{_suffix}", stored, CancellationToken.None);
        var processor = host.Services.GetRequiredService<JobProcessor>();

        foreach (var index in new[] { 0, 1 })
        {
            var job = FilledJob("photo.jpg", index, [new JobFill(0, $"https://example.org/verify/{index:D4}"), new JobFill(1, "Ada Lovelace")]);
            var result = await processor.ProcessAsync(JobMessageReader.Read(JsonSerializer.SerializeToUtf8Bytes(job, JobJson.Default.RenderJob)),
                new DeliveryInfo(1, false, "test"), CancellationToken.None);

            using var image = SKBitmap.Decode((await results.GetBlobClient(result.ResultBlob).DownloadContentAsync()).Value.Content.ToArray());
            Assert.Equal($"https://example.org/verify/{index:D4}", CodeReader.Read(image, BarcodeFormat.QR_CODE, SKRectI.Create(490, 90, 300, 300)).Text);
            // The batch's template is read once: the next job of the batch draws without it.
            await batches.DeleteBlobIfExistsAsync(BatchTemplates.BlobName($"t-{_suffix}"));
        }
    }

    [Fact]
    public async Task A_version_3_job_without_its_batchs_template_or_with_a_bad_fill_fails_with_a_code()
    {
        var sources = infrastructure.Blobs().GetBlobContainerClient($"sources-{_suffix}");
        var batches = infrastructure.Blobs().GetBlobContainerClient($"batches-{_suffix}");
        await Task.WhenAll(sources.CreateIfNotExistsAsync(), batches.CreateIfNotExistsAsync());
        await sources.UploadBlobAsync("photo.jpg", BinaryData.FromBytes(Support.TestImages.Jpeg(7)));
        using var host = ServiceHosts.Worker(infrastructure, _suffix, consume: false);
        var processor = host.Services.GetRequiredService<JobProcessor>();
        Task Process(params JobFill[] fills) => processor.ProcessAsync(FilledJob("photo.jpg", 0, fills), new DeliveryInfo(1, false, "test"), CancellationToken.None);

        Assert.Equal(ErrorCodes.TemplateNotFound, (await Assert.ThrowsAsync<JobFailedException>(() => Process())).Code);

        var stored = new Template
        {
            Layers = [new ImageLayer { Name = "logo", ImageName = "{logo}" }, new ShapeLayer { Name = "band", Fill = "#000000" }],
        }.ToContract();
        await host.Services.GetRequiredService<BatchTemplates>().SaveAsync($"t-{_suffix}", stored, CancellationToken.None);
        var outOfRange = await Assert.ThrowsAsync<JobFailedException>(() => Process(new JobFill(2, "x")));
        var shape = await Assert.ThrowsAsync<JobFailedException>(() => Process(new JobFill(1, "x")));
        var escaping = await Assert.ThrowsAsync<JobFailedException>(() => Process(new JobFill(0, "../results/b0/000000-a.jpg")));

        Assert.Equal((ErrorCodes.InvalidTemplate, ErrorCodes.InvalidTemplate, ErrorCodes.InvalidSourceName), (outOfRange.Code, shape.Code, escaping.Code));
        Assert.Contains("fills[0].layer 2 names no layer", outOfRange.Message);
    }

    private RenderJob FilledJob(string source, int index, IReadOnlyList<JobFill> fills) =>
        new(RenderJob.BatchTemplateSchemaVersion, $"t-{_suffix}-{index:D6}", $"t-{_suffix}", index, source, null, $"t-{_suffix}/{index:D6}-{source}", null, DateTimeOffset.UtcNow)
        {
            Fills = fills,
        };

    private RenderJob Job(string source, Template template) =>
        new(RenderJob.TemplateSchemaVersion, $"t-{_suffix}-000000", $"t-{_suffix}", 0, source, null, $"t-{_suffix}/000000-{source}", null, DateTimeOffset.UtcNow)
        {
            Template = template.ToContract("badge", 1),
        };
}
