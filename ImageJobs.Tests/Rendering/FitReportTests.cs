using ImageJobs.Contracts;
using ImageJobs.Rendering;
using ImageJobs.Rendering.Imaging;
using ImageJobs.Rendering.Templates;
using SkiaSharp;

namespace ImageJobs.Tests.Rendering;

/// <summary>The pre-flight's engine half: text layers measured without drawing, characters no font draws, image sizes from headers.</summary>
[Trait("Category", "Rendering")]
public sealed class FitReportTests(RendererFixture fixture) : IClassFixture<RendererFixture>
{
    /// <summary>A hieroglyph and a private-use character: no bundled face has either.</summary>
    private const string Undrawable = "\U00013000\uE000";

    private static TextLayer Text(string name, string text, double heightPercent = 20, OverflowPolicy overflow = OverflowPolicy.Ellipsis) => new()
    {
        Name = name,
        Text = text,
        Box = new TextBoxStyle { Unit = BoxUnit.Percent, X = 10, Y = 10, Width = 80, Height = heightPercent },
        Style = new TextStyle { FontSizeRatio = 0.1, MinFontSizeRatio = 0.05, Overflow = overflow },
    };

    [Fact]
    public void Each_text_layer_is_reported_as_fitting_shrinking_cut_or_failing_with_its_sizes()
    {
        var longText = string.Join(" ", Enumerable.Repeat("a long line of words", 40));
        var template = new Template
        {
            Layers =
            [
                Text("short", "Ada"),
                Text("longer", "Certificate of achievement awarded to Ada Lovelace"),
                Text("cut", longText),
                Text("fails", longText, overflow: OverflowPolicy.Fail),
                new ShapeLayer { Name = "band" },
                Text("blank", "   "),
            ],
        };

        var fits = fixture.Renderer.Measure(template, 1000, 500);

        Assert.Equal(["short", "longer", "cut", "fails"], fits.Select(f => f.Name));
        Assert.Equal([FitOutcome.Fits, FitOutcome.Shrinks, FitOutcome.Ellipsis, FitOutcome.Fails], fits.Select(f => f.Outcome));
        Assert.All(fits, f => Assert.Equal(50, f.PreferredSize));
        Assert.Equal(50, fits[0].Size);
        Assert.InRange(fits[1].Size, 25, 49.5f);
        Assert.Equal(25, fits[2].Size, 0.01);
        Assert.Contains("Fail", fits[3].Problem, StringComparison.Ordinal);
        Assert.Equal([0, 1, 2, 3], fits.Select(f => f.Layer));

        // The outcome is the renderer's: the failing layer fails a render with text.overflow, the cut one draws.
        var failure = Assert.Throws<JobFailedException>(() => fixture.Renderer.Render(TestImages.Gradient(1000, 500), template with { Layers = [template.Layers[3]] }));
        Assert.Equal(ErrorCodes.TextOverflow, failure.Code);
        Assert.True(fixture.Renderer.Render(TestImages.Gradient(1000, 500), template with { Layers = [template.Layers[2]] }).Data.Length > 0);
    }

    [Fact]
    public void Characters_no_font_draws_are_reported_by_cluster_and_refused_by_the_renderer_instead_of_drawn_as_boxes()
    {
        Assert.All(Undrawable.EnumerateRunes(), r => Assert.False(fixture.Fonts.Covers(r.Value), $"U+{r.Value:X4} is drawn by a bundled face"));
        // Joiners, selectors, marks and tags are drawn as part of their clusters, not as boxes.
        const string drawable = "Zoë e\u0301 👍🏽 ❤\uFE0F 👩\u200D💻 \u200Bx\u00AD 🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F مرحبا 你好";
        var template = new Template { Layers = [Text("ok", drawable, 60), Text("bad", $"Name: A\u0301{Undrawable} and \uE000 again", 60)] };

        var fits = fixture.Renderer.Measure(template, 1200, 600);

        Assert.Empty(fits[0].MissingGlyphs);
        Assert.Equal(["\U00013000", "\uE000"], fits[1].MissingGlyphs);
        var failure = Assert.Throws<JobFailedException>(() => fixture.Renderer.Render(TestImages.Gradient(1200, 600), template));
        Assert.Equal(ErrorCodes.MissingGlyph, failure.Code);
        Assert.Contains("U+13000", failure.Message, StringComparison.Ordinal);
        Assert.True(ErrorCodes.Find(ErrorCodes.MissingGlyph)!.Permanent);
        // A caption is a template of one text layer: the same refusal.
        Assert.Equal(ErrorCodes.MissingGlyph, Assert.Throws<JobFailedException>(() => fixture.Renderer.Render(TestImages.Gradient(300, 200), "x\uE000")).Code);
        Assert.True(fixture.Renderer.Render(TestImages.Gradient(1200, 600), template with { Layers = [template.Layers[0]] }).Data.Length > 0);
    }

    [Fact]
    public void An_images_upright_size_is_read_from_its_first_bytes_alone()
    {
        var jpeg = TestImages.NoiseJpeg(1600, 900);
        var rotated = TestImages.JpegWithOrientation(640, 360, orientation: 6);
        var png = TestImages.Gradient(300, 200);

        Assert.Equal((1600, 900), SourceImage.Probe(jpeg.AsMemory(0, 4096), fixture.Limits));
        Assert.Equal((360, 640), SourceImage.Probe(rotated.AsMemory(0, Math.Min(rotated.Length, 4096)), fixture.Limits));
        Assert.Equal((300, 200), SourceImage.Probe(png.AsMemory(0, 64), fixture.Limits));
        Assert.Equal((40, 30), SourceImage.Probe(TestImages.Bmp(40, 30, SKColors.Red).AsMemory(0, 80), fixture.Limits));
        Assert.Equal(ErrorCodes.TooManyPixels, Assert.Throws<JobFailedException>(() => SourceImage.Probe(TestImages.PngBomb(60000, 60000), fixture.Limits)).Code);
        Assert.Equal(ErrorCodes.NotAnImage, Assert.Throws<JobFailedException>(() => SourceImage.Probe("<html>"u8.ToArray(), fixture.Limits)).Code);
        Assert.Equal(ErrorCodes.CorruptImage, Assert.Throws<JobFailedException>(() => SourceImage.Probe(jpeg.AsMemory(0, 20), fixture.Limits)).Code);
    }
}
