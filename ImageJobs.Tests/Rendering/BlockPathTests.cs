using ImageJobs.Contracts;
using ImageJobs.Rendering;
using ImageJobs.Rendering.Imaging.Jpeg;
using ImageJobs.Rendering.Templates;
using NetVips;
using SkiaSharp;

namespace ImageJobs.Tests.Rendering;

/// <summary>
/// The Blocks path (Imaging/Jpeg): the result's coefficients outside the MCUs under the caption are
/// the source's, bit for bit; inside, its pixels stay close to the full path's; and every source or
/// output it cannot take goes the full way, with its reason.
/// </summary>
[Trait("Category", "Rendering")]
public class BlockPathTests(RendererFixture fixture) : IClassFixture<RendererFixture>
{
    private const string Caption = "Harbour lights, winter 2026";

    private static readonly TextStyle Bottom = new() { FontSizeRatio = 0.08, MaxLines = 1, Box = new TextBoxStyle { X = 5, Width = 90, Y = 80, Height = 15 } };

    [Theory]
    [InlineData("4:2:0", false, 0)]
    [InlineData("4:2:2", false, 0)]
    [InlineData("4:4:4", false, 0)]
    [InlineData("gray", false, 0)]
    [InlineData("4:2:0", true, 0)]
    [InlineData("4:2:0", false, 4)]
    public void Outside_the_captions_MCUs_every_coefficient_is_the_sources(string subsampling, bool progressive, int restartInterval)
    {
        var source = ScanJpegs.Photo(subsampling, restartInterval: restartInterval, width: 640, height: 360, progressive: progressive);
        var style = subsampling == ScanJpegs.Gray ? Bottom with { Color = "#FFFFFF", OutlineColor = "#000000" } : Bottom;

        var result = fixture.Renderer.Render(source, Caption, style);

        Assert.Equal(RenderPath.Blocks, result.Path);
        var header = JpegHeader.Read(source);
        var (mcuWidth, mcuHeight) = (8 * header.MaxHorizontal, 8 * header.MaxVertical);
        var extent = SKRectI.Ceiling(fixture.Renderer.Extent(Caption, style, 640, 360), outwards: true);
        var touched = SKRectI.Create(extent.Left / mcuWidth * mcuWidth, extent.Top / mcuHeight * mcuHeight, 0, 0);
        touched.Right = (extent.Right + mcuWidth - 1) / mcuWidth * mcuWidth;
        touched.Bottom = (extent.Bottom + mcuHeight - 1) / mcuHeight * mcuHeight;
        var before = JpegCoefficients.Read(source)!;
        var after = JpegCoefficients.Read(result.Data.Span)!;
        var (changedInside, changedOutside) = (0, 0);
        for (var c = 0; c < header.Components.Count; c++)
        {
            var (across, down) = (header.MaxHorizontal / header.Components[c].Horizontal, header.MaxVertical / header.Components[c].Vertical);
            Assert.Equal(before.Components[c].Length, after.Components[c].Length);
            for (var block = 0; block < before.Components[c].Length / 64; block++)
            {
                var (column, row) = (block % before.WidthsInBlocks[c], block / before.WidthsInBlocks[c]);
                var changed = !before.Components[c].AsSpan(block * 64, 64).SequenceEqual(after.Components[c].AsSpan(block * 64, 64));
                var inside = touched.Contains(column * 8 * across, row * 8 * down);
                (changedInside, changedOutside) = changed ? inside ? (changedInside + 1, changedOutside) : (changedInside, changedOutside + 1) : (changedInside, changedOutside);
            }
        }

        Assert.Equal(0, changedOutside);
        Assert.True(changedInside > 50, $"only {changedInside} blocks changed under the caption");
        Assert.Equal(header.Process, JpegHeader.Read(result.Data.Span).Process);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void Above_the_captions_first_MCU_row_the_sources_bytes_are_copied(int restartInterval)
    {
        var source = ScanJpegs.Photo(ScanJpegs.Yuv420, restartInterval: restartInterval, width: 640, height: 360);
        var result = fixture.Renderer.Render(source, Caption, Bottom).Data.ToArray();

        // The caption starts at about 80% of the height: the bytes before it are the source's, not coded again.
        var shared = source.AsSpan().CommonPrefixLength(result);
        Assert.True(shared > source.Length * 0.6, $"{shared} of {source.Length} bytes copied");
        Assert.NotEqual(source, result);
    }

    [Theory]
    [InlineData("4:2:0")]
    [InlineData("4:4:4")]
    [InlineData("gray, declared 2x2")]
    public void Under_the_caption_its_pixels_stay_within_the_bound_of_the_full_paths(string subsampling)
    {
        // A one-component scan is not interleaved: its MCU is one block whatever sampling the frame declares.
        var grey = subsampling.StartsWith(ScanJpegs.Gray, StringComparison.Ordinal);
        var source = grey ? DeclaredSampling(ScanJpegs.Photo(ScanJpegs.Gray, width: 640, height: 360), 0x22) : ScanJpegs.Photo(subsampling, width: 640, height: 360);
        var style = grey ? Bottom with { Color = "#FFFFFF", OutlineColor = "#000000" } : Bottom;
        var blocks = fixture.Renderer.Render(source, Caption, style);
        var full = fixture.Renderer.Render(source, Caption, style with { Output = new OutputStyle { Path = RenderPath.Full } });
        Assert.Equal((RenderPath.Blocks, RenderPath.Full), (blocks.Path, full.Path));

        var extent = SKRectI.Ceiling(fixture.Renderer.Extent(Caption, style, 640, 360), outwards: true);
        using var a = Luma(blocks, grey).Crop(extent.Left, extent.Top, extent.Width, extent.Height).Cast(Enums.BandFormat.Float);
        using var b = Luma(full, grey).Crop(extent.Left, extent.Top, extent.Width, extent.Height).Cast(Enums.BandFormat.Float);
        using var difference = (a - b).Abs();
        var mse = (difference * difference).Avg();
        var psnr = 10 * Math.Log10(255.0 * 255.0 / mse);
        // Both are lossy encodings of the same drawing (the full path one more generation of it);
        // the bound is the documented one (Rendering README: the Blocks path).
        Assert.True(psnr >= 30, $"PSNR {psnr:0.0} dB between the two paths under the caption");
    }

    [Fact]
    public void Keeps_every_metadata_segment_and_strips_all_but_the_profile_when_asked()
    {
        var source = FidelityTests.WithMetadata(orientation: 1);

        var kept = fixture.Renderer.Render(source, "meta");
        var stripped = fixture.Renderer.Render(source, "meta", new TextStyle { Output = new OutputStyle { Metadata = MetadataPolicy.StripAll } });

        Assert.Equal((RenderPath.Blocks, RenderPath.Blocks), (kept.Path, stripped.Path));
        using var keptImage = Image.NewFromBuffer(kept.Data.ToArray());
        Assert.StartsWith("ImageJobs", (string)keptImage.Get("exif-ifd0-Make"), StringComparison.Ordinal);
        Assert.NotEqual(IntPtr.Zero, keptImage.GetTypeOf("xmp-data"));
        Assert.NotEqual(IntPtr.Zero, keptImage.GetTypeOf("iptc-data"));
        Assert.NotEqual(IntPtr.Zero, keptImage.GetTypeOf("icc-profile-data"));
        using var strippedImage = Image.NewFromBuffer(stripped.Data.ToArray());
        foreach (var field in new[] { "exif-data", "xmp-data", "iptc-data" })
        {
            Assert.Equal(IntPtr.Zero, strippedImage.GetTypeOf(field));
        }

        using var profile = Image.NewFromBuffer(source);
        Assert.Equal((byte[])profile.Get("icc-profile-data"), (byte[])strippedImage.Get("icc-profile-data"));
    }

    public static TheoryData<string, string> FullWays => new()
    {
        { "png", "not both JPEG" },
        { "quality", "sets a quality" },
        { "rotated", "EXIF orientation" },
        { "location", "location data" },
        { "resized", "resized" },
        { "cmyk", "components (CMYK" },
        { "grey with colour", "coloured layer on a grey JPEG" },
        { "forced full", "asks for the full path" },
    };

    [Theory]
    [MemberData(nameof(FullWays))]
    public void Takes_the_full_path_with_its_reason(string kind, string reason)
    {
        var photo = ScanJpegs.Photo(ScanJpegs.Yuv420, width: 320, height: 200);
        TextStyle style = new();
        var source = photo;
        Template? template = null;
        switch (kind)
        {
            case "png": source = TestImages.Gradient(320, 200); break;
            case "quality": style = new TextStyle { Output = new OutputStyle { Quality = 80 } }; break;
            case "rotated": source = TestImages.JpegWithOrientation(320, 200, 6); break;
            case "location": style = new TextStyle { Output = new OutputStyle { Metadata = MetadataPolicy.StripLocation } }; break;
            case "resized": template = new Template { Layers = [new TextLayer { Name = "caption", Text = Caption }], Output = new OutputStyle { Resize = new ResizeStyle { Width = 160 } } }; break;
            case "cmyk": source = Cmyk(photo); break;
            case "grey with colour": source = ScanJpegs.Photo(ScanJpegs.Gray, width: 320, height: 200); style = new TextStyle { Color = "#FF0000" }; break;
            case "forced full": style = new TextStyle { Output = new OutputStyle { Path = RenderPath.Full } }; break;
        }

        var result = template is null ? fixture.Renderer.Render(source, Caption, style) : fixture.Renderer.Render(source, template);

        Assert.Equal(RenderPath.Full, result.Path);
        Assert.Contains(reason, result.FullPathReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Forcing_the_Blocks_path_where_it_cannot_go_is_refused_with_the_reason()
    {
        var failure = Assert.Throws<JobFailedException>(() => fixture.Renderer.Render(TestImages.Gradient(64, 48), "x",
            new TextStyle { Output = new OutputStyle { Path = RenderPath.Blocks } }));

        Assert.Equal(ErrorCodes.PathUnavailable, failure.Code);
        Assert.Contains("not both JPEG", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Damaged_entropy_data_never_takes_the_Blocks_path()
    {
        var source = ScanJpegs.Photo(ScanJpegs.Yuv420, width: 320, height: 200);
        var start = JpegHeader.Read(source).EntropyStart;
        // A stray restart marker in a scan without restart intervals: a decoder's "corrupt data" warning.
        var corrupt = (byte[])source.Clone();
        (corrupt[start + 300], corrupt[start + 301]) = (0xFF, 0xD3);
        var truncated = source[..(start + ((source.Length - start) / 2))];

        var failure = Assert.Throws<JobFailedException>(() => fixture.Renderer.Render(truncated, Caption));
        Assert.Equal(ErrorCodes.TruncatedImage, failure.Code);
        try
        {
            var result = fixture.Renderer.Render(corrupt, Caption);
            Assert.Equal(RenderPath.Full, result.Path);
            Assert.False(string.IsNullOrEmpty(result.FullPathReason));
        }
        catch (JobFailedException refused)
        {
            Assert.Equal(ErrorCodes.CorruptImage, refused.Code);
        }
    }

    /// <summary>The decoded result; for a grey source its luma only (the full path writes grey pixels as sRGB).</summary>
    private static Image Luma(RenderedImage result, bool grey)
    {
        var image = Image.NewFromBuffer(result.Data.ToArray());
        if (!grey)
        {
            return image;
        }

        using (image)
        {
            return image.Colourspace(Enums.Interpretation.Bw);
        }
    }

    /// <summary>The JPEG with its first component's sampling factors byte set, as some encoders write a grey frame.</summary>
    private static byte[] DeclaredSampling(byte[] jpeg, byte factors)
    {
        var copy = (byte[])jpeg.Clone();
        var frame = copy.AsSpan().IndexOf((ReadOnlySpan<byte>)[0xFF, 0xC0]);
        copy[frame + 11] = factors; // FF C0, length, precision, height, width, count, id, then H/V
        Assert.Equal((2, 2), (JpegHeader.Read(copy).Components[0].Horizontal, JpegHeader.Read(copy).Components[0].Vertical));
        return copy;
    }

    private static byte[] Cmyk(byte[] jpeg)
    {
        using var image = Image.NewFromBuffer(jpeg);
        using var cmyk = image.Colourspace(Enums.Interpretation.Cmyk);
        return cmyk.JpegsaveBuffer(q: 85);
    }
}
