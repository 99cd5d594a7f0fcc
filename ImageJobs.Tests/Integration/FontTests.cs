using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ImageJobs.Contracts;
using ImageJobs.Contracts.Styles;
using ImageJobs.Contracts.Templates;
using ImageJobs.Messaging;
using ImageJobs.Producer.Batches;
using ImageJobs.Producer.Fonts;
using ImageJobs.Tests.Rendering;
using ImageJobs.Tests.Support;
using ImageJobs.Worker.Processing;
using Microsoft.Extensions.DependencyInjection;
using SkiaSharp;

namespace ImageJobs.Tests.Integration;

/// <summary>
/// /api/fonts and the path of an uploaded face, in process, against a real RabbitMQ and a real Azurite:
/// uploaded and checked by the producer, named by a template, carried by its jobs, fetched and drawn
/// by a worker, and a permanent <c>font.missing</c> once deleted.
/// </summary>
[Trait("Category", "Integration")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class FontTests(LocalInfrastructure infrastructure)
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    private static ByteArrayContent Body(byte[] data, string type = "font/ttf") =>
        new(data) { Headers = { ContentType = new MediaTypeHeaderValue(type) } };

    [Fact]
    public async Task A_face_is_uploaded_once_listed_and_deleted_and_a_non_font_is_refused_with_its_code()
    {
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        var http = producer.Http;

        using var created = await http.PostAsync("/api/fonts", Body(UploadedFontTests.Face("DejaVuSansMono-Bold.ttf")));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var face = (await created.Content.ReadFromJsonAsync<FontFace>())!;
        Assert.Equal((UploadedFontTests.Mono, 700, "normal"), (face.Family, face.Weight, face.Style));
        Assert.Matches("^[0-9a-f]{64}\\.ttf$", face.Id);

        // The same bytes again: the same face, nothing new.
        using var again = await http.PostAsync("/api/fonts", Body(UploadedFontTests.Face("DejaVuSansMono-Bold.ttf")));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(face.Id, (await again.Content.ReadFromJsonAsync<FontFace>())!.Id);

        using var refused = await http.PostAsync("/api/fonts", Body("<html>not a font</html>"u8.ToArray(), "application/octet-stream"));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(ErrorCodes.InvalidFont, problem.GetProperty("code").GetString());

        var listed = await http.GetFromJsonAsync<List<FontFace>>("/api/fonts");
        Assert.Equal([face.Id], listed!.Select(f => f.Id));
        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"/api/fonts/{face.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.DeleteAsync($"/api/fonts/{face.Id}")).StatusCode);
        Assert.Empty((await http.GetFromJsonAsync<List<FontFace>>("/api/fonts"))!);
    }

    [Fact]
    public async Task A_font_over_the_limit_is_refused_before_it_is_stored()
    {
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix, new Dictionary<string, string?> { ["Rendering:Limits:MaxFontBytes"] = "100000" });

        using var response = await producer.Http.PostAsync("/api/fonts", Body(UploadedFontTests.Face("DejaVuSansMono.ttf")));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty((await producer.Http.GetFromJsonAsync<List<FontFace>>("/api/fonts"))!);
    }

    [Fact]
    public async Task A_template_naming_an_uploaded_family_is_drawn_with_it_and_fails_as_font_missing_once_it_is_deleted()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        var http = producer.Http;
        var sources = infrastructure.Blobs().GetBlobContainerClient($"sources-{_suffix}");
        await sources.CreateIfNotExistsAsync();
        await sources.UploadBlobAsync("in/a.jpg", BinaryData.FromBytes(Support.TestImages.Jpeg(1, 640, 360)));
        JobLayer[] layers = [new("text", "name", Text: "{name}", Style: new JobStyle(FontFamily: UploadedFontTests.Mono, OutlineRatio: 0, Color: "#000000", Background: new JobBackground("#FFFFFF")))];

        // Unknown until uploaded: refused by path, nothing saved.
        using var unknown = await http.PostAsJsonAsync("/api/templates", new { name = "badge", layers });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("layers[0].style.fontFamily", await unknown.Content.ReadAsStringAsync());

        var faces = new List<FontFace>();
        foreach (var file in UploadedFontTests.MonoFiles)
        {
            using var uploaded = await http.PostAsync("/api/fonts", Body(UploadedFontTests.Face(file)));
            faces.Add((await uploaded.Content.ReadFromJsonAsync<FontFace>())!);
        }

        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("/api/templates", new { name = "badge", layers })).StatusCode);
        using var accepted = await http.PostAsJsonAsync("/api/batches", new { templateName = "badge", items = new[] { new { source = "in/a.jpg", values = new Dictionary<string, string> { ["name"] = "MONO" } } } });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);

        var job = Assert.Single(await QueuedJobs.TakeDrawnAsync(infrastructure, _suffix, 1));
        Assert.Equal(faces.Select(f => f.Id).Order(), job.Template!.Fonts!.Select(f => f.Blob).Order());
        using var worker = ServiceHosts.Worker(infrastructure, _suffix, consume: false);
        var processor = worker.Services.GetRequiredService<JobProcessor>();
        var result = await processor.ProcessAsync(job, new DeliveryInfo(1, false, "test"), CancellationToken.None);
        var drawn = (await infrastructure.Blobs().GetBlobContainerClient($"results-{_suffix}").GetBlobClient(result.ResultBlob).DownloadContentAsync()).Value.Content.ToArray();
        using (var image = SKBitmap.Decode(drawn))
        {
            Assert.Equal((640, 360), (image.Width, image.Height));
        }

        // Deleted while the job is in flight: the worker's cache may still hold the bytes, a fresh worker does not.
        foreach (var face in faces)
        {
            Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"/api/fonts/{face.Id}")).StatusCode);
        }

        using var fresh = ServiceHosts.Worker(infrastructure, _suffix, consume: false);
        var ex = await Assert.ThrowsAsync<JobFailedException>(() => fresh.Services.GetRequiredService<JobProcessor>().ProcessAsync(job, new DeliveryInfo(2, true, "test"), CancellationToken.None));
        Assert.Equal(ErrorCodes.FontMissing, ex.Code);
        Assert.True(ErrorCodes.Find(ex.Code)!.Permanent);
        using var refused = await http.PostAsJsonAsync("/api/batches", new { templateName = "badge", items = new[] { new { source = "in/a.jpg", values = new Dictionary<string, string> { ["name"] = "x" } } } });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
    }
}
