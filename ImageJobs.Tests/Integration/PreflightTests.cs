using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ImageJobs.Contracts;
using ImageJobs.Contracts.Styles;
using ImageJobs.Contracts.Templates;
using ImageJobs.Messaging;
using ImageJobs.Producer.Preflight;
using ImageJobs.Rendering;
using ImageJobs.Rendering.Templates;
using ImageJobs.Tests.Support;
using ImageJobs.Worker.Processing;
using Microsoft.Extensions.DependencyInjection;

namespace ImageJobs.Tests.Integration;

/// <summary>The pre-flight report, in process, against a real Azurite (sizes from headers) and RabbitMQ (nothing published); a worker refusing a missing glyph.</summary>
[Trait("Category", "Integration")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class PreflightTests(LocalInfrastructure infrastructure)
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    private static readonly JobLayer[] Certificate =
    [
        new("text", "name", Box: new JobTextBox(Unit: "Percent", X: 10, Y: 10, Width: 80, Height: 20), Text: "{name}",
            Style: new JobStyle(FontSizeRatio: 0.1, MinFontSizeRatio: 0.05)),
        new("text", "course", Box: new JobTextBox(Unit: "Percent", X: 10, Y: 40, Width: 80, Height: 10), Text: "{course}",
            Style: new JobStyle(FontSizeRatio: 0.06, MinFontSizeRatio: 0.04, Overflow: "Fail")),
        new("text", "date", Box: new JobTextBox(Unit: "Percent", X: 10, Y: 80, Width: 30, Height: 10), Text: "{date}",
            Style: new JobStyle(FontSizeRatio: 0.05, MinFontSizeRatio: 0.03)),
    ];

    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_manifest_is_reported_row_by_row_with_lines_sizes_from_headers_and_pages_and_nothing_is_published()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        var sources = infrastructure.Blobs().GetBlobContainerClient($"sources-{_suffix}");
        await sources.CreateIfNotExistsAsync();
        await sources.UploadBlobAsync("blank/wide.png", BinaryData.FromBytes(Rendering.TestImages.Gradient(1200, 600)));
        await sources.UploadBlobAsync("blank/photo.jpg", BinaryData.FromBytes(Rendering.TestImages.NoiseJpeg(600, 1200)));
        await sources.UploadBlobAsync("blank/notes.txt", BinaryData.FromString("not an image"));
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        await producer.Http.PostAsJsonAsync("/api/templates", new { name = "certificate", layers = Certificate });
        var longCourse = string.Join(" ", Enumerable.Repeat("Advanced studies in analytical engines", 12));
        var csv = new StringBuilder("image,name,course,date\n")
            .Append("blank/wide.png,Ada,Maths,2026-12-01\n")                                           // line 2: fits
            .Append("blank/wide.png,Augusta Ada King Countess of Lovelace,Maths,2026-12-01\n")         // line 3: the name shrinks
            .Append("blank/wide.png,Ada,\"" + longCourse + "\",2026-12-01\n")                              // line 4: the course fails
            .Append("blank/wide.png,Ada \U00013000,Maths,2026-12-01\n")                                 // line 5: no glyph
            .Append("blank/absent.png,Ada,Maths,2026-12-01\n")                                          // line 6: no image
            .Append("blank/notes.txt,Ada,Maths,2026-12-01\n")                                           // line 7: not an image
            .Append("blank/photo.jpg,Ada,Maths,2026-12-01\n")                                           // line 8: a tall image: the date shrinks
            .ToString();

        using var response = await PostManifestAsync(producer, csv, "?limit=4");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var report = (await response.Content.ReadFromJsonAsync<PreflightReport>(Json))!;

        Assert.Equal((7, "certificate", 1), (report.Total, report.TemplateName, report.TemplateVersion));
        Assert.Equal((6, 4), (report.Summary.RowsWithProblems, report.Summary.RowsThatWouldFail));
        Assert.Equal([3, 4, 5, 6], report.Rows.Select(r => r.Line!.Value));
        Assert.Equal(4, report.NextOffset);
        var name = report.Summary.Layers.Single(l => l.Layer == "name");
        Assert.Equal((4, 1, 0, 0, 1), (name.Fits, name.Shrinks, name.Ellipsis, name.Fails, name.MissingGlyphs));
        Assert.Equal((FitOutcome.Shrinks, 1200, 600), (report.Rows[0].Layers[0].Outcome, report.Rows[0].Width, report.Rows[0].Height));
        Assert.True(report.Rows[0].Layers[0].Size < report.Rows[0].Layers[0].PreferredSize);
        Assert.False(report.Rows[0].WouldFail);
        Assert.Equal(FitOutcome.Fails, report.Rows[1].Layers.Single(l => l.Layer == "course").Outcome);
        Assert.Equal(["\U00013000"], report.Rows[2].Layers[0].MissingGlyphs);
        Assert.StartsWith(ErrorCodes.MissingGlyph, report.Rows[2].Problems[0], StringComparison.Ordinal);
        Assert.StartsWith(ErrorCodes.SourceNotFound, report.Rows[3].Problems[0], StringComparison.Ordinal);

        using var second = await PostManifestAsync(producer, csv, "?offset=4&limit=4");
        var rest = (await second.Content.ReadFromJsonAsync<PreflightReport>(Json))!;
        Assert.Equal([7, 8], rest.Rows.Select(r => r.Line!.Value));
        Assert.StartsWith(ErrorCodes.NotAnImage, rest.Rows[0].Problems[0], StringComparison.Ordinal);
        Assert.Null(rest.NextOffset);

        // A tall JPEG's size comes from its header: its narrow date box makes the date shrink, the rest fits.
        Assert.Equal((600, 1200, false), (rest.Rows[1].Width, rest.Rows[1].Height, rest.Rows[1].WouldFail));
        Assert.Equal([FitOutcome.Fits, FitOutcome.Fits, FitOutcome.Shrinks], rest.Rows[1].Layers.Select(l => l.Outcome));
        Assert.Equal(5, report.Summary.Layers.Single(l => l.Layer == "date").Fits + report.Summary.Layers.Single(l => l.Layer == "date").Shrinks);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostManifestAsync(producer, "image,name\nblank/wide.png,Ada\n", "")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostManifestAsync(producer, csv, "?limit=0")).StatusCode);

        await using var connection = await infrastructure.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        Assert.Equal(0u, await ServiceHosts.ReadyCountAsync(channel, JobTopology.JobsQueue));
    }

    [Fact]
    public async Task A_json_submission_is_reported_for_an_inline_template_and_for_captions()
    {
        var sources = infrastructure.Blobs().GetBlobContainerClient($"sources-{_suffix}");
        await sources.CreateIfNotExistsAsync();
        await sources.UploadBlobAsync("in/a.jpg", BinaryData.FromBytes(Support.TestImages.Jpeg(1, 800, 400)));
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        object Row(string name) => new { source = "in/a.jpg", values = new Dictionary<string, string> { ["name"] = name, ["course"] = "Maths", ["date"] = "today" } };

        using var layered = await producer.Http.PostAsJsonAsync("/api/batches/preflight", new { inlineTemplate = new { layers = Certificate }, items = new[] { Row("Ada"), Row("Ada\uE000") } });
        var report = (await layered.Content.ReadFromJsonAsync<PreflightReport>(Json))!;
        Assert.Equal((2, 1), (report.Total, report.Summary.RowsThatWouldFail));
        Assert.Equal((1, (int?)null), (Assert.Single(report.Rows).Index, report.Rows[0].Line));

        using var captions = await producer.Http.PostAsJsonAsync("/api/batches/preflight", new
        {
            items = new[] { new { source = "in/a.jpg", text = "Hello" }, new { source = "in/a.jpg", text = string.Join(" ", Enumerable.Repeat("many words here", 60)) } },
            style = new { fontSizeRatio = 0.1, minFontSizeRatio = 0.05, box = new { height = 20 } },
        });
        var captionReport = (await captions.Content.ReadFromJsonAsync<PreflightReport>(Json))!;
        Assert.Equal(FitOutcome.Ellipsis, Assert.Single(captionReport.Rows).Layers[0].Outcome);

        using var invalid = await producer.Http.PostAsJsonAsync("/api/batches/preflight", new { items = new[] { new { source = "../x.jpg", text = "x" } } });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
    }

    [Fact]
    public async Task A_worker_fails_a_job_whose_text_has_no_glyph_with_its_own_code_instead_of_drawing_boxes()
    {
        var sources = infrastructure.Blobs().GetBlobContainerClient($"sources-{_suffix}");
        await sources.CreateIfNotExistsAsync();
        await sources.UploadBlobAsync("photo.jpg", BinaryData.FromBytes(Support.TestImages.Jpeg(2)));
        var template = new Template { Layers = [new TextLayer { Name = "name", Text = "Ada \U00013000" }] };
        var job = new RenderJob(RenderJob.TemplateSchemaVersion, $"g-{_suffix}-000000", $"g-{_suffix}", 0, "photo.jpg", null, $"g-{_suffix}/000000-photo.jpg", null, DateTimeOffset.UtcNow)
        {
            Template = template.ToContract("badge", 1),
        };

        using var host = ServiceHosts.Worker(infrastructure, _suffix, consume: false);
        var processor = host.Services.GetRequiredService<JobProcessor>();
        var ex = await Assert.ThrowsAsync<JobFailedException>(() => processor.ProcessAsync(job, new DeliveryInfo(1, false, "test"), CancellationToken.None));

        Assert.Equal(ErrorCodes.MissingGlyph, ex.Code);
        Assert.Contains("U+13000", ex.Message, StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> PostManifestAsync(InProcessProducer producer, string csv, string query)
    {
        var form = new MultipartFormDataContent { FormParts.File("rows.csv", Encoding.UTF8.GetBytes(csv), "manifest") };
        form.Add(new StringContent("certificate"), "templateName");
        return producer.Http.PostAsync("/api/batches/preflight/manifest" + query, form);
    }
}
