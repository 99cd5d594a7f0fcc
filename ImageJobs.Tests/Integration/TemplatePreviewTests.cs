using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ImageJobs.Contracts;
using ImageJobs.Tests.Support;
using SkiaSharp;
using ZXing;

namespace ImageJobs.Tests.Integration;

/// <summary>
/// <c>POST /api/preview</c> with a template and one row, as the designer sends it: placeholders
/// filled from the row, pictures from the sources, reduced like every preview; a row that lacks a
/// column, a bad layer or a missing picture is refused by name.
/// </summary>
[Trait("Category", "Integration")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class TemplatePreviewTests(LocalInfrastructure infrastructure) : IAsyncLifetime
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];
    private InProcessProducer? _producer;

    private HttpClient Http => _producer!.Http;

    public async Task InitializeAsync()
    {
        var sources = infrastructure.Blobs().GetBlobContainerClient($"sources-{_suffix}");
        await sources.CreateIfNotExistsAsync();
        await sources.UploadBlobAsync("blank/wide.png", BinaryData.FromBytes(Rendering.TestImages.Solid(3200, 1800, new SKColor(220, 220, 220))));
        await sources.UploadBlobAsync("brand/logo.png", BinaryData.FromBytes(Rendering.TestImages.Solid(100, 100, new SKColor(230, 20, 20))));
        _producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
    }

    public async Task DisposeAsync()
    {
        if (_producer is not null)
        {
            await _producer.DisposeAsync();
        }
    }

    private static JsonObject Template(string qrValue = "https://example.org/v/{id}", string picture = "brand/logo.png") => new()
    {
        ["layers"] = new JsonArray(
            new JsonObject { ["kind"] = "text", ["name"] = "title", ["text"] = "{first} [b]{last}[/b]", ["box"] = Box(5, 5, 60, 20) },
            new JsonObject { ["kind"] = "image", ["name"] = "logo", ["imageName"] = picture, ["fit"] = "Stretch", ["box"] = Box(5, 60, 20, 30) },
            new JsonObject { ["kind"] = "qr", ["name"] = "link", ["value"] = qrValue, ["box"] = Box(60, 40, 35, 55) }),
    };

    private static JsonObject Box(double x, double y, double width, double height) =>
        new() { ["unit"] = "Percent", ["x"] = x, ["y"] = y, ["width"] = width, ["height"] = height };

    [Fact]
    public async Task A_template_is_previewed_with_the_rows_values_and_its_pictures()
    {
        using var response = await Http.PostAsJsonAsync("/api/preview", new JsonObject
        {
            ["source"] = "blank/wide.png",
            ["template"] = Template(),
            ["values"] = new JsonObject { ["first"] = "Ada", ["last"] = "Lovelace", ["id"] = "cert-0042" },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var image = SKBitmap.Decode(await response.Content.ReadAsByteArrayAsync());
        // Reduced to the preview's longest side, 1600.
        Assert.Equal((1600, 900), (image.Width, image.Height));
        // The logo stretched over its box; the QR code, with the row's id, in its own.
        var logo = image.GetPixel(160, 675);
        Assert.True(logo.Red > 200 && logo.Green < 60, $"expected the logo's red at (160, 675), got {logo}");
        Assert.Equal("https://example.org/v/cert-0042", CodeReader.Read(image, BarcodeFormat.QR_CODE, SKRectI.Create(960, 360, 560, 495)).Text);
        // Text was drawn in the title's box, and nowhere outside the three boxes.
        Assert.True(Rendering.TestImages.Count(image, (x, y, c) => x < 1040 && y < 225 && c.Red < 150) > 500, "no text in the title's box");
        Assert.Equal(0, Rendering.TestImages.Count(image, (x, y, c) => c != new SKColor(220, 220, 220) && !Inside(x, y)));
    }

    private static bool Inside(int x, int y) =>
        (x >= 80 && x < 1040 && y >= 45 && y < 225) || (x >= 80 && x < 400 && y >= 540 && y < 810) || (x >= 960 && x < 1520 && y >= 360 && y < 855);

    [Fact]
    public async Task A_row_without_a_column_the_template_names_is_refused_by_name()
    {
        var problem = await RefusedAsync(new JsonObject
        {
            ["source"] = "blank/wide.png",
            ["template"] = Template(),
            ["values"] = new JsonObject { ["first"] = "Ada", ["last"] = "Lovelace" },
        }, HttpStatusCode.BadRequest);

        Assert.Contains("column \"id\" is missing", problem["errors"]!["values"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task A_bad_layer_is_named_by_its_path_and_a_missing_picture_by_its_code()
    {
        var template = Template();
        template["layers"]![2]!["errorCorrection"] = "Z";
        var invalid = await RefusedAsync(new JsonObject { ["source"] = "blank/wide.png", ["template"] = template, ["values"] = new JsonObject { ["first"] = "", ["last"] = "", ["id"] = "1" } },
            HttpStatusCode.BadRequest);
        Assert.Contains(invalid["errors"]!.AsObject(), e => e.Key.StartsWith("template.layers[2]", StringComparison.Ordinal));

        var missing = await RefusedAsync(new JsonObject
        {
            ["source"] = "blank/wide.png",
            ["template"] = Template(picture: "brand/absent.png"),
            ["values"] = new JsonObject { ["first"] = "", ["last"] = "", ["id"] = "1" },
        }, HttpStatusCode.UnprocessableEntity);
        Assert.Equal(ErrorCodes.TemplateImageMissing, (string)missing["code"]!);

        var nullValue = await RefusedAsync(new JsonObject { ["source"] = "blank/wide.png", ["template"] = Template(), ["values"] = new JsonObject { ["first"] = null, ["last"] = "", ["id"] = "1" } },
            HttpStatusCode.BadRequest);
        Assert.Contains("\"first\" has no value", nullValue["errors"]!["values"]![0]!.GetValue<string>());

        var both = await RefusedAsync(new JsonObject { ["source"] = "blank/wide.png", ["text"] = "x", ["template"] = Template() }, HttpStatusCode.BadRequest);
        Assert.True(both["errors"]!.AsObject().ContainsKey("template"), both.ToJsonString());
    }

    private async Task<JsonObject> RefusedAsync(JsonObject request, HttpStatusCode expected)
    {
        using var response = await Http.PostAsJsonAsync("/api/preview", request);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {body}");
        return body!;
    }
}
