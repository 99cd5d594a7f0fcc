using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ImageJobs.Contracts;
using ImageJobs.Contracts.Styles;
using ImageJobs.Contracts.Templates;
using ImageJobs.Messaging;
using ImageJobs.Producer.Preflight;
using ImageJobs.Rendering.Templates;
using ImageJobs.Tests.Rendering;
using ImageJobs.Tests.Support;

namespace ImageJobs.Tests.Integration;

/// <summary>
/// Fonts before anything is published, in process against a real Azurite and RabbitMQ: the pre-flight
/// lays out a text in the uploaded family its template names (fetched from the fonts container as a
/// worker fetches it), and a caption naming a family that is not bundled is refused at submit as
/// <c>font.missing</c>, by path, instead of failing in every worker.
/// </summary>
[Trait("Category", "Integration")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class PreflightFontTests(LocalInfrastructure infrastructure)
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task The_preflight_measures_a_text_in_the_uploaded_family_its_template_names()
    {
        var sources = infrastructure.Blobs().GetBlobContainerClient($"sources-{_suffix}");
        await sources.CreateIfNotExistsAsync();
        await sources.UploadBlobAsync("blank/wide.png", BinaryData.FromBytes(Rendering.TestImages.Gradient(1200, 600)));
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        using var font = new ByteArrayContent(UploadedFontTests.Face("DejaVuSansMono.ttf")) { Headers = { ContentType = new MediaTypeHeaderValue("font/ttf") } };
        Assert.Equal(HttpStatusCode.Created, (await producer.Http.PostAsync("/api/fonts", font)).StatusCode);
        JobLayer Text(string name, string? family) => new("text", name, new JobTextBox("Percent", 10, 10, 80, 12), Text: "{name}",
            Style: new JobStyle(FontFamily: family, FontSizeRatio: 0.1, MinFontSizeRatio: 0.06));
        (await producer.Http.PostAsJsonAsync("/api/templates", new { name = "mono-badge", layers = new[] { Text("sans", null), Text("mono", UploadedFontTests.Mono) } }))
            .EnsureSuccessStatusCode();

        using var response = await producer.Http.PostAsJsonAsync("/api/batches/preflight", new
        {
            templateName = "mono-badge",
            items = new[] { new { source = "blank/wide.png", values = new Dictionary<string, string> { ["name"] = "illicit lilliputian militia filling" } } },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var report = (await response.Content.ReadFromJsonAsync<PreflightReport>(JsonSerializerOptions.Web))!;
        Assert.Equal(0, report.Summary.RowsThatWouldFail);
        var layers = Assert.Single(report.Rows).Layers;
        // Narrow letters: the monospaced face sets them far wider than the bundled (proportional) sans, so they shrink further in it.
        Assert.True(layers is [{ Outcome: FitOutcome.Fits or FitOutcome.Shrinks } sans, { Outcome: FitOutcome.Shrinks } monospaced] && monospaced.Size < sans.Size * 0.9,
            string.Join("; ", layers.Select(l => $"{l.Layer} {l.Outcome} {l.Size} of {l.PreferredSize} {l.Problem}")));
        Assert.All(layers, l => Assert.Null(l.Problem));
    }

    [Fact]
    public async Task A_caption_naming_a_family_that_is_not_bundled_is_refused_at_submit_as_font_missing_and_nothing_is_published()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        var sources = infrastructure.Blobs().GetBlobContainerClient($"sources-{_suffix}");
        await sources.CreateIfNotExistsAsync();
        await sources.UploadBlobAsync("in/a.jpg", BinaryData.FromBytes(Support.TestImages.Jpeg(1, 320, 200)));
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);

        using var json = await producer.Http.PostAsJsonAsync("/api/batches", new { items = new[] { new { source = "in/a.jpg", text = "Hi", style = new { fontFamily = "Papyrus" } } } });
        Assert.Equal(HttpStatusCode.BadRequest, json.StatusCode);
        var errors = (await json.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.StartsWith(ErrorCodes.FontMissing + ": ", errors.GetProperty("items[0].style.fontFamily")[0].GetString(), StringComparison.Ordinal);

        using var prefix = await producer.Http.PostAsJsonAsync("/api/batches", new { prefix = "in/", template = "{stem}", style = new { fontFamily = "Papyrus" } });
        Assert.Equal(HttpStatusCode.BadRequest, prefix.StatusCode);
        Assert.StartsWith(ErrorCodes.FontMissing + ": ", (await prefix.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("style.fontFamily")[0].GetString(),
            StringComparison.Ordinal);

        var form = new MultipartFormDataContent { FormParts.File("rows.csv", Encoding.UTF8.GetBytes("image,text,fontFamily\nin/a.jpg,Hi,Sans\nin/a.jpg,Ho,Papyrus\n"), "manifest") };
        using var manifest = await producer.Http.PostAsync("/api/batches/manifest", form);
        Assert.Equal(HttpStatusCode.BadRequest, manifest.StatusCode);
        var byLine = (await manifest.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Contains(ErrorCodes.FontMissing, byLine.GetProperty("line 3")[0].GetString(), StringComparison.Ordinal);
        Assert.False(byLine.TryGetProperty("line 2", out _));

        await using var connection = await infrastructure.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        Assert.Equal(0u, await ServiceHosts.ReadyCountAsync(channel, JobTopology.JobsQueue));
    }
}
