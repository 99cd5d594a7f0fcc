using ImageJobs.Rendering;
using ImageJobs.Rendering.Templates;
using NetVips;
using SkiaSharp;

namespace ImageJobs.Tests.Rendering;

/// <summary>
/// A template's <c>output.resize</c>: the result fitted within the box in the codec, never
/// enlarged; boxes in percent are of the resized image, pixel sizes of the source (scaled with it).
/// </summary>
[Trait("Category", "Rendering")]
public class ResizeTests(RendererFixture fixture) : IClassFixture<RendererFixture>
{
    [Theory]
    [InlineData(600, 600, 600, 400)]
    [InlineData(300, null, 300, 200)]
    [InlineData(null, 100, 150, 100)]
    [InlineData(1199, 2000, 1199, 799)]
    public void The_result_fits_within_the_box_in_proportion(int? width, int? height, int expectedWidth, int expectedHeight)
    {
        var result = fixture.Renderer.Render(TestImages.Gradient(1200, 800), Band(new ResizeStyle { Width = width, Height = height }));

        Assert.Equal((expectedWidth, expectedHeight), (result.Width, result.Height));
        using var decoded = TestImages.Decode(result.Data);
        Assert.Equal((expectedWidth, expectedHeight), (decoded.Width, decoded.Height));
    }

    [Fact]
    public void A_box_larger_than_the_source_changes_nothing()
    {
        var source = TestImages.Gradient(400, 300, SKEncodedImageFormat.Jpeg);

        var resized = fixture.Renderer.Render(source, Band(new ResizeStyle { Width = 4000, Height = 3000 }));
        var plain = fixture.Renderer.Render(source, Band(null));

        Assert.Equal((400, 300), (resized.Width, resized.Height));
        Assert.Equal(plain.Data.ToArray(), resized.Data.ToArray());
    }

    [Fact]
    public void A_box_in_percent_follows_the_new_size_and_one_in_pixels_is_of_the_source()
    {
        var source = TestImages.Solid(1000, 500, SKColors.White);
        var template = new Template
        {
            Layers =
            [
                // Source pixels 100..300 x 100..200: at half size 50..150 x 50..100.
                new ShapeLayer { Name = "pixels", Fill = "#FF0000", Box = new TextBoxStyle { Unit = BoxUnit.Pixels, X = 100, Y = 100, Width = 200, Height = 100 } },
                // Half-way across and down, a quarter wide and high: 250..375 x 125..187.5 of 500 x 250.
                new ShapeLayer { Name = "percent", Fill = "#0000FF", Box = new TextBoxStyle { Unit = BoxUnit.Percent, X = 50, Y = 50, Width = 25, Height = 25 } },
            ],
            Output = new OutputStyle { Format = OutputFormat.Png, Resize = new ResizeStyle { Width = 500 } },
        };

        using var image = TestImages.Decode(fixture.Renderer.Render(source, template).Data);

        Assert.Equal((500, 250), (image.Width, image.Height));
        AssertFilled(image, new SKRectI(50, 50, 150, 100), c => c.Red > 200 && c.Blue < 60);
        AssertFilled(image, new SKRectI(250, 125, 375, 187), c => c.Blue > 200 && c.Red < 60);
    }

    [Fact]
    public void A_large_jpeg_shrinks_on_load_keeping_its_subsampling()
    {
        var source = TestImages.NoiseJpeg(3000, 2000);
        using var header = Image.NewFromBuffer(source);

        var result = fixture.Renderer.Render(source, Band(new ResizeStyle { Width = 600, Height = 600 }));

        Assert.Equal((600, 400), (result.Width, result.Height));
        using var decoded = Image.NewFromBuffer(result.Data.ToArray());
        Assert.Equal(header.Get("jpeg-chroma-subsample"), decoded.Get("jpeg-chroma-subsample"));
    }

    [Fact]
    public void A_turned_source_is_resized_upright_with_its_metadata_and_orientation_1()
    {
        // 64 x 48 stored, orientation 6: 48 x 64 upright.
        var source = FidelityTests.WithMetadata(orientation: 6);

        using var result = Image.NewFromBuffer(fixture.Renderer.Render(source, Band(new ResizeStyle { Height = 32 })).Data.ToArray());

        Assert.Equal((24, 32), (result.Width, result.Height));
        Assert.Equal(1, result.Get("orientation"));
        Assert.StartsWith("ImageJobs", (string)result.Get("exif-ifd0-Make"), StringComparison.Ordinal);
        Assert.NotEqual(IntPtr.Zero, result.GetTypeOf("icc-profile-data"));
    }

    [Fact]
    public void A_bmp_is_resized_too()
    {
        var result = fixture.Renderer.Render(TestImages.Bmp(300, 200, SKColors.Teal), Band(new ResizeStyle { Width = 150 }));

        Assert.Equal((150, 100), (result.Width, result.Height));
    }

    [Fact]
    public void A_preview_is_shown_within_the_resize_box_and_the_preview_edge()
    {
        var source = TestImages.Gradient(1000, 500);
        var limits = new PreviewLimits(100_000_000, 1600, 50_000_000);

        var small = fixture.Renderer.RenderPreview(source, Band(new ResizeStyle { Width = 200 }), new Dictionary<string, ReadOnlyMemory<byte>>(), limits);
        var edge = fixture.Renderer.RenderPreview(source, Band(new ResizeStyle { Width = 900 }), new Dictionary<string, ReadOnlyMemory<byte>>(), limits with { MaxEdge = 400 });

        Assert.Equal((200, 100), (small.Width, small.Height));
        Assert.Equal((400, 200), (edge.Width, edge.Height));
    }

    [Fact]
    public void A_resize_is_checked_by_path()
    {
        Assert.Equal(["output.resize.width"], Problems(new ResizeStyle()));
        Assert.Equal(["output.resize.height", "output.resize.width"], Problems(new ResizeStyle { Width = 0, Height = -3 }));
        Assert.Contains("100,000,000", new Template { Layers = [new ShapeLayer { Name = "s" }], Output = new OutputStyle { Resize = new ResizeStyle { Width = 20_000, Height = 20_000 } } }
            .Validate(100)["output.resize.width"]);
        var inLayer = new Template { Layers = [new TextLayer { Name = "t", Text = "x", Style = new TextStyle { Output = new OutputStyle { Resize = new ResizeStyle { Width = 10 } } } }] };
        Assert.Equal(["layers[0].style.output.resize"], inLayer.Validate(100).Keys);

        IEnumerable<string> Problems(ResizeStyle resize) =>
            new Template { Layers = [new ShapeLayer { Name = "s" }], Output = new OutputStyle { Resize = resize } }.Validate(100).Keys.Order(StringComparer.Ordinal);
    }

    /// <summary>A band across the bottom, so something is drawn on every result.</summary>
    private static Template Band(ResizeStyle? resize) => new()
    {
        Layers = [new ShapeLayer { Name = "band", Fill = "#204080", Box = new TextBoxStyle { Unit = BoxUnit.Percent, X = 0, Y = 80, Width = 100, Height = 20 } }],
        Output = new OutputStyle { Resize = resize },
    };

    /// <summary>Every pixel inside <paramref name="box"/> (less a pixel of antialiasing) matches, and none more than a pixel outside it.</summary>
    private static void AssertFilled(SKBitmap image, SKRectI box, Func<SKColor, bool> colour)
    {
        var inside = SKRectI.Inflate(box, -1, -1);
        var outside = SKRectI.Inflate(box, 1, 1);
        var wrong = TestImages.Count(image, (x, y, c) => inside.Contains(x, y) && !colour(c));
        var stray = TestImages.Count(image, (x, y, c) => !outside.Contains(x, y) && colour(c));
        Assert.True(wrong == 0 && stray == 0, $"{box}: {wrong} pixels inside are not the layer's, {stray} outside are");
    }
}
