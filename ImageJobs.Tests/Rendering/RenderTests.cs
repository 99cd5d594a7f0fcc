using ImageJobs.Rendering;
using SkiaSharp;

namespace ImageJobs.Tests.Rendering;

/// <summary>Whole renders on small images: formats, orientation, colour, placement.</summary>
[Trait("Category", "Rendering")]
public class RenderTests(RendererFixture fixture) : IClassFixture<RendererFixture>
{
    private static readonly TextStyle Plain = new() { OutlineRatio = 0, Color = "#FFFFFF" };

    [Fact]
    public void Exif_orientation_6_gives_a_portrait_output()
    {
        var source = TestImages.JpegWithOrientation(120, 60, orientation: 6);

        var result = fixture.Renderer.Render(source, "rotated");

        Assert.Equal((60, 120), (result.Width, result.Height));
        using var decoded = TestImages.Decode(result.Data);
        Assert.Equal((60, 120), (decoded.Width, decoded.Height));
    }

    [Fact]
    public void Output_keeps_the_source_format_unless_the_style_chooses_one()
    {
        var jpeg = TestImages.Gradient(80, 60, SKEncodedImageFormat.Jpeg);
        Assert.Equal(ImageFormat.Jpeg, fixture.Renderer.Render(jpeg, "x").Format);

        var png = fixture.Renderer.Render(jpeg, "x", new TextStyle { Output = new OutputStyle { Format = OutputFormat.Png } });
        Assert.Equal(ImageFormat.Png, png.Format);
        Assert.True(png.Data.Span.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G']));

        var webp = fixture.Renderer.Render(TestImages.Gradient(80, 60, SKEncodedImageFormat.Webp), "x");
        Assert.Equal(ImageFormat.Webp, webp.Format);
        Assert.Equal("image/webp", webp.ContentType);
    }

    [Fact]
    public void Png_alpha_is_kept()
    {
        var transparent = TestImages.Solid(100, 80, SKColors.Transparent);

        var result = fixture.Renderer.Render(transparent, "alpha", Plain);

        using var decoded = TestImages.Decode(result.Data);
        Assert.Equal(0, decoded.GetPixel(1, 1).Alpha);
        Assert.True(TestImages.Count(decoded, (_, _, c) => c.Alpha > 200) > 20, "no text drawn");
    }

    [Fact]
    public void Bmp_is_read_and_written_as_png()
    {
        var result = fixture.Renderer.Render(TestImages.Bmp(40, 30, SKColors.Teal), "b");
        Assert.Equal(ImageFormat.Png, result.Format);
        Assert.Equal((40, 30), (result.Width, result.Height));
    }

    [Fact]
    public void Gif_first_frame_is_read_and_written_as_png()
    {
        // A 1x1 GIF89a, written out by hand (Skia does not encode GIF).
        byte[] gif =
        [
            0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x2C, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3B,
        ];

        var result = fixture.Renderer.Render(gif, "");

        Assert.Equal(ImageFormat.Png, result.Format);
        using var decoded = TestImages.Decode(result.Data);
        Assert.Equal(new SKColor(0xFF, 0, 0), decoded.GetPixel(0, 0));
    }

    [Fact]
    public void Icc_profile_of_the_source_is_kept()
    {
        using var adobe = SKColorSpace.CreateRgb(SKColorSpaceTransferFn.Srgb, SKColorSpaceXyz.AdobeRgb);
        using var bitmap = new SKBitmap(new SKImageInfo(64, 48, SKColorType.Rgba8888, SKAlphaType.Opaque, adobe));
        bitmap.Erase(SKColors.Olive);
        using var pixmap = bitmap.PeekPixels();
        using var source = pixmap.Encode(new SKPngEncoderOptions())!;

        var result = fixture.Renderer.Render(source.ToArray(), "icc");

        using var data = SKData.CreateCopy(result.Data.Span);
        using var codec = SKCodec.Create(data);
        Assert.NotNull(codec);
        Assert.NotNull(codec.Info.ColorSpace);
        Assert.False(codec.Info.ColorSpace.IsSrgb);
        Assert.Equal(SKColorSpaceXyz.AdobeRgb.Values, codec.Info.ColorSpace.ToColorSpaceXyz().Values);
    }

    [Fact]
    public void Emoji_are_drawn_in_colour()
    {
        var grey = TestImages.Solid(200, 200, new SKColor(128, 128, 128));

        var result = fixture.Renderer.Render(grey, "\U0001F600\U0001F34E", Plain with { Output = new OutputStyle { Format = OutputFormat.Png } });

        using var decoded = TestImages.Decode(result.Data);
        var saturated = TestImages.Count(decoded, (_, _, c) => Math.Max(c.Red, Math.Max(c.Green, c.Blue)) - Math.Min(c.Red, Math.Min(c.Green, c.Blue)) > 80);
        Assert.True(saturated > 200, $"only {saturated} coloured pixels");
    }

    [Fact]
    public void Different_cjk_strings_draw_different_glyphs()
    {
        // Missing-glyph boxes would make both strings look alike.
        var black = TestImages.Solid(160, 80, SKColors.Black);
        var style = Plain with { AutoFit = false, FontSizeRatio = 0.5 };
        using var first = TestImages.Decode(fixture.Renderer.Render(black, "你好", style).Data);
        using var second = TestImages.Decode(fixture.Renderer.Render(black, "世界", style).Data);

        var differing = TestImages.Count(first, (x, y, c) => Math.Abs(c.Red - second.GetPixel(x, y).Red) > 100);
        var ink = TestImages.Count(first, (_, _, c) => c.Red > 128);
        Assert.True(ink > 100, $"only {ink} ink pixels");
        Assert.True(differing > ink / 4, $"{differing} of {ink} ink pixels differ");
    }

    [Theory]
    [InlineData(Anchor.TopLeft, "Jumpy quill, Åg! Wrapping text here")]
    [InlineData(Anchor.Center, "Jumpy quill, Åg! Wrapping text here")]
    [InlineData(Anchor.BottomRight, "Jumpy quill, Åg! Wrapping text here")]
    [InlineData(Anchor.MiddleRight, "Jumpy quill, Åg! Wrapping text here")]
    [InlineData(Anchor.TopLeft, "नमस्ते दुनिया สวัสดี ญี่ปุ่น 😀 مرحبا 你好")]
    [InlineData(Anchor.BottomRight, "नमस्ते दुनिया สวัสดี ญี่ปุ่น 😀 مرحبا 你好")]
    public void Text_and_outline_stay_inside_the_box(Anchor anchor, string text)
    {
        var black = TestImages.Solid(300, 200, SKColors.Black);
        var style = new TextStyle
        {
            Anchor = anchor,
            Color = "#FFFFFF",
            OutlineColor = "#FF0000",
            OutlineRatio = 0.2,
            FontSizeRatio = 0.5,
            Box = new TextBoxStyle { Unit = BoxUnit.Pixels, X = 40, Y = 30, Width = 180, Height = 110 },
        };

        var result = fixture.Renderer.Render(black, text, style);

        using var decoded = TestImages.Decode(result.Data);
        var inside = TestImages.Count(decoded, (x, y, c) => c.Red > 60 && x >= 40 && x < 220 && y >= 30 && y < 140);
        var outside = TestImages.Count(decoded, (x, y, c) => c.Red > 60 && (x < 39 || x > 220 || y < 29 || y > 140));
        Assert.True(inside > 500, $"only {inside} ink pixels inside");
        Assert.Equal(0, outside);
    }

    [Fact]
    public void Opacity_and_background_box_are_drawn()
    {
        var black = TestImages.Solid(200, 100, SKColors.Black);
        var style = new TextStyle
        {
            Color = "#FFFFFF",
            OutlineRatio = 0,
            Opacity = 0.5,
            Anchor = Anchor.Center,
            Background = new BackgroundStyle { Color = "#0000FF", Padding = 0.3 },
        };

        using var decoded = TestImages.Decode(fixture.Renderer.Render(black, "Box", style).Data);

        var blue = TestImages.Count(decoded, (_, _, c) => c.Blue is > 100 and < 160 && c.Red < 20);
        var brightest = TestImages.Count(decoded, (_, _, c) => c.Red > 200);
        Assert.True(blue > 200, $"only {blue} half-blue background pixels");
        Assert.Equal(0, brightest); // at half opacity nothing reaches full white
    }

    [Fact]
    public void Shadow_darkens_pixels_below_and_right_of_the_text()
    {
        var white = TestImages.Solid(200, 100, SKColors.White);
        var withShadow = new TextStyle { Color = "#FFFFFF", OutlineRatio = 0, FontSizeRatio = 0.4, Anchor = Anchor.Center, Shadow = new ShadowStyle { Color = "#000000", OffsetX = 0.1, OffsetY = 0.1, Blur = 0 } };

        using var shadowed = TestImages.Decode(fixture.Renderer.Render(white, "Shadow", withShadow).Data);
        using var plain = TestImages.Decode(fixture.Renderer.Render(white, "Shadow", withShadow with { Shadow = new ShadowStyle { Color = "#00000000" } }).Data);

        Assert.Equal(0, TestImages.Count(plain, (_, _, c) => c.Red < 100));
        Assert.True(TestImages.Count(shadowed, (_, _, c) => c.Red < 100) > 100);
    }
}
