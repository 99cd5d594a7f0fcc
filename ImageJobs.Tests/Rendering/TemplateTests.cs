using ImageJobs.Contracts;
using ImageJobs.Contracts.Templates;
using ImageJobs.Rendering;
using ImageJobs.Rendering.Templates;

namespace ImageJobs.Tests.Rendering;

/// <summary>Templates: validation by path, what is drawn and what is not, and text layers' own settings.</summary>
[Trait("Category", "Rendering")]
public class TemplateTests(RendererFixture fixture) : IClassFixture<RendererFixture>
{
    private static readonly OutputStyle Png = new() { Format = OutputFormat.Png };

    [Fact]
    public void One_caption_and_its_one_layer_template_render_the_same_bytes()
    {
        var source = TestImages.Gradient(240, 160);
        var style = new TextStyle { Color = "#FFD700", Anchor = Anchor.TopLeft, Output = Png };

        var caption = fixture.Renderer.Render(source, "Hello [b]there[/b]", style);
        var template = fixture.Renderer.Render(source, new Template
        {
            Layers = [new TextLayer { Name = "t", Text = "Hello [[b]there[[/b]", Style = style }],
            Output = Png,
        });

        Assert.Equal(caption.Data.ToArray(), template.Data.ToArray());
    }

    [Fact]
    public void Problems_are_named_by_path()
    {
        var template = new Template
        {
            Layers =
            [
                new TextLayer { Name = "title", Text = "[b]open", Style = new TextStyle { Color = "red" } },
                new ShapeLayer { Name = "title", Opacity = 2 },
                new ImageLayer { Name = "logo", Box = new TextBoxStyle { Unit = BoxUnit.Percent, Width = 150 }, CornerRadius = 0.9 },
                new QrLayer { Name = "qr", Value = "", QuietZone = 99 },
            ],
            Output = new OutputStyle { Quality = 0 },
        };

        var errors = template.Validate(fixture.Limits.MaxTextLength);

        Assert.Equal(
            ["layers[0].style.color", "layers[0].text", "layers[1].name", "layers[1].opacity", "layers[2].box.width", "layers[2].cornerRadius",
                "layers[2].imageName", "layers[3].quietZone", "layers[3].value", "output.quality"],
            errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("never closed", errors["layers[0].text"]);
        Assert.Contains("another layer", errors["layers[1].name"]);
    }

    [Fact]
    public void A_template_without_layers_or_with_too_many_is_refused()
    {
        Assert.Contains("layers", new Template().Validate(100).Keys);
        var many = new Template { Layers = [.. Enumerable.Range(0, Template.MaxLayers + 1).Select(i => new ShapeLayer { Name = $"s{i}" })] };
        Assert.Contains("more than 64", many.Validate(100)["layers"]);
    }

    [Fact]
    public void A_long_layer_text_is_refused_as_too_long()
    {
        var template = new Template { Layers = [new TextLayer { Name = "t", Text = new string('x', fixture.Limits.MaxTextLength + 1) }] };

        var ex = Assert.Throws<JobFailedException>(() => fixture.Renderer.Render(TestImages.Gradient(50, 50), template));

        Assert.Equal(ErrorCodes.TextTooLong, ex.Code);
        Assert.Contains("layers[0]", ex.Message);
    }

    [Fact]
    public void A_picture_not_handed_in_is_refused_with_its_own_code()
    {
        var template = new Template { Layers = [new ImageLayer { Name = "logo", ImageName = "brand/logo.png" }] };

        var ex = Assert.Throws<JobFailedException>(() => fixture.Renderer.Render(TestImages.Gradient(50, 50), template));

        Assert.Equal(ErrorCodes.TemplateImageMissing, ex.Code);
        Assert.Contains("brand/logo.png", ex.Message);
    }

    [Fact]
    public void A_picture_that_is_not_an_image_is_refused_as_a_source_would_be()
    {
        var template = new Template { Layers = [new ImageLayer { Name = "logo", ImageName = "logo" }] };
        var images = new Dictionary<string, ReadOnlyMemory<byte>> { ["logo"] = "<html>"u8.ToArray() };

        var ex = Assert.Throws<JobFailedException>(() => fixture.Renderer.Render(TestImages.Gradient(50, 50), template, images));

        Assert.Equal(ErrorCodes.NotAnImage, ex.Code);
    }

    [Fact]
    public void Hidden_and_transparent_layers_draw_nothing()
    {
        var source = TestImages.Gradient(120, 80);
        var band = new ShapeLayer { Name = "band", Fill = "#FF0000" };
        var plain = fixture.Renderer.Render(source, new Template { Layers = [band with { Fill = "#00000000" }], Output = Png });

        var hidden = fixture.Renderer.Render(source, new Template { Layers = [band with { Visible = false }], Output = Png });
        var clear = fixture.Renderer.Render(source, new Template { Layers = [band with { Opacity = 0 }], Output = Png });
        var shown = fixture.Renderer.Render(source, new Template { Layers = [band], Output = Png });

        Assert.Equal(plain.Data.ToArray(), hidden.Data.ToArray());
        Assert.Equal(plain.Data.ToArray(), clear.Data.ToArray());
        Assert.NotEqual(plain.Data.ToArray(), shown.Data.ToArray());
    }

    [Fact]
    public void Layers_draw_in_order_the_last_on_top()
    {
        var box = new TextBoxStyle { Unit = BoxUnit.Pixels, X = 10, Y = 10, Width = 40, Height = 40 };
        var red = new ShapeLayer { Name = "red", Box = box, Fill = "#FF0000" };
        var blue = new ShapeLayer { Name = "blue", Box = box, Fill = "#0000FF" };

        using var image = TestImages.Decode(fixture.Renderer.Render(TestImages.Gradient(60, 60), new Template { Layers = [red, blue], Output = Png }).Data);

        Assert.Equal((0, 0, 255), (image.GetPixel(30, 30).Red, image.GetPixel(30, 30).Green, image.GetPixel(30, 30).Blue));
    }

    [Fact]
    public void Max_lines_shrinks_or_cuts_the_text()
    {
        var text = "one two three four five six seven eight nine ten";
        var free = fixture.Renderer.Compose(text, new TextStyle { AutoFit = false, FontSizeRatio = 0.1 }, 300, 400);
        var two = fixture.Renderer.Compose(text, new TextStyle { AutoFit = false, FontSizeRatio = 0.1, MaxLines = 2 }, 300, 400);

        Assert.True(free.Lines.Count > 2);
        Assert.Equal(2, two.Lines.Count);
        Assert.EndsWith("\u2026", two.Lines[^1]);
        var fail = Assert.Throws<JobFailedException>(() => fixture.Renderer.Compose(text, new TextStyle { MaxLines = 1, MinFontSizeRatio = 0.05, Overflow = OverflowPolicy.Fail }, 300, 400));
        Assert.Equal(ErrorCodes.TextOverflow, fail.Code);
    }

    [Fact]
    public void Letter_spacing_widens_the_line_by_its_clusters()
    {
        var style = new TextStyle { AutoFit = false, FontSizeRatio = 0.1 };
        var plain = fixture.Renderer.Compose("Spacing", style, 1000, 400);
        var spaced = fixture.Renderer.Compose("Spacing", style with { LetterSpacing = 0.2 }, 1000, 400);

        var expected = plain.Bounds.Width + (7 * 0.2f * plain.Size);
        Assert.Equal(expected, spaced.Bounds.Width, 0.5f);
    }

    [Fact]
    public void A_template_survives_the_wire_and_draws_the_same_bytes()
    {
        var source = TestImages.Gradient(320, 200);
        var template = TemplateGoldenTests.FiveLayers() with { Output = Png };

        var wire = System.Text.Json.JsonSerializer.Serialize(template.ToContract("tag", 3), JobJson.Default.JobTemplate);
        var back = System.Text.Json.JsonSerializer.Deserialize(wire, JobJson.Default.JobTemplate)!.ToTemplate();

        Assert.Equal(
            fixture.Renderer.Render(source, template, TemplateGoldenTests.Images).Data.ToArray(),
            fixture.Renderer.Render(source, back, TemplateGoldenTests.Images).Data.ToArray());
    }

    [Theory]
    [InlineData("circle", null, "layers[0].kind 'circle'")]
    [InlineData("image", "Fill", "layers[0].fit 'Fill'")]
    [InlineData("text", "Comic", "layers[0].style: The style's anchor 'Comic'")]
    public void An_unknown_name_on_the_wire_is_refused_by_path(string kind, string? name, string expected)
    {
        var layer = new JobLayer(kind, "x", Fit: kind == "image" ? name : null, Style: kind == "text" ? new Contracts.Styles.JobStyle(Anchor: name) : null);

        var ex = Assert.Throws<JobFailedException>(() => new JobTemplate([layer]).ToTemplate());

        Assert.Equal(ErrorCodes.InvalidTemplate, ex.Code);
        Assert.Contains(expected, ex.Message);
    }
}
