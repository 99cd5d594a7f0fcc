using System.Buffers.Binary;
using System.Text;
using ImageJobs.Rendering;
using ImageJobs.Rendering.Imaging;
using NetVips;
using SkiaSharp;

namespace ImageJobs.Tests.Rendering;

/// <summary>Results as good as their sources: quality, subsampling, metadata, bit depth, and the caption's region.</summary>
[Trait("Category", "Rendering")]
public class FidelityTests(RendererFixture fixture) : IClassFixture<RendererFixture>
{
    private const string Xmp = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description xmlns:dc=\"http://purl.org/dc/elements/1.1/\" dc:format=\"image/jpeg\"/></rdf:RDF></x:xmpmeta>";

    [Theory]
    [InlineData(35)]
    [InlineData(73)]
    [InlineData(90)]
    [InlineData(100)]
    public void Quality_is_read_back_from_the_quantisation_tables(int quality)
    {
        using var gradient = TestImages.GradientBitmap(64, 48);
        using var skia = gradient.Encode(SKEncodedImageFormat.Jpeg, quality);
        Assert.Equal(quality, JpegQuality.Estimate(skia.AsSpan()));

        using var vips = Image.NewFromBuffer(TestImages.Gradient(64, 48));
        Assert.Equal(quality, JpegQuality.Estimate(vips.JpegsaveBuffer(q: quality)));
    }

    [Fact]
    public void Quality_is_unknown_without_tables()
    {
        Assert.Null(JpegQuality.Estimate(TestImages.Gradient(16, 16)));
        Assert.Null(JpegQuality.Estimate([0xFF, 0xD8, 0xFF, 0xDA, 0, 2]));
    }

    [Fact]
    public void A_jpeg_keeps_its_source_quality_unless_the_style_sets_one()
    {
        var source = Vips(100, 80).JpegsaveBuffer(q: 62);

        Assert.Equal(62, JpegQuality.Estimate(fixture.Renderer.Render(source, "q").Data.Span));
        var explicitly = new TextStyle { Output = new OutputStyle { Quality = 85 } };
        Assert.Equal(85, JpegQuality.Estimate(fixture.Renderer.Render(source, "q", explicitly).Data.Span));
        // A PNG source has no quality of its own.
        var fromPng = new TextStyle { Output = new OutputStyle { Format = OutputFormat.Jpeg } };
        Assert.Equal(OutputStyle.FallbackQuality, JpegQuality.Estimate(fixture.Renderer.Render(TestImages.Gradient(64, 48), "q", fromPng).Data.Span));
    }

    [Theory]
    [InlineData(Enums.ForeignSubsample.On, "4:2:0")]
    [InlineData(Enums.ForeignSubsample.Off, "4:4:4")]
    public void Chroma_subsampling_follows_the_source(Enums.ForeignSubsample mode, string expected)
    {
        // q 95 would be written 4:4:4 by default, q 60 4:2:0: the source decides, not the quality.
        var source = Vips(96, 64).JpegsaveBuffer(q: mode == Enums.ForeignSubsample.On ? 95 : 60, subsampleMode: mode);

        using var result = Image.NewFromBuffer(fixture.Renderer.Render(source, "sub").Data.ToArray());

        Assert.Equal(expected, result.Get("jpeg-chroma-subsample"));
    }

    [Fact]
    public void Exif_xmp_iptc_and_icc_are_kept_and_the_orientation_reset_after_turning()
    {
        var source = WithMetadata(orientation: 6);

        using var result = Image.NewFromBuffer(fixture.Renderer.Render(source, "meta").Data.ToArray());

        Assert.Equal((48, 64), (result.Width, result.Height));
        Assert.Equal(1, result.Get("orientation"));
        Assert.StartsWith("ImageJobs", (string)result.Get("exif-ifd0-Make"), StringComparison.Ordinal);
        Assert.StartsWith("N", (string)result.Get("exif-ifd3-GPSLatitudeRef"), StringComparison.Ordinal);
        Assert.Contains("dc:format", Encoding.UTF8.GetString((byte[])result.Get("xmp-data")), StringComparison.Ordinal);
        Assert.Contains("caption-by-iptc", Encoding.ASCII.GetString((byte[])result.Get("iptc-data")), StringComparison.Ordinal);
        Assert.NotEqual(IntPtr.Zero, result.GetTypeOf("icc-profile-data"));
    }

    [Fact]
    public void Location_or_all_metadata_can_be_stripped()
    {
        var source = WithMetadata(orientation: 1);

        using var located = Image.NewFromBuffer(Render(source, MetadataPolicy.StripLocation));
        Assert.StartsWith("ImageJobs", (string)located.Get("exif-ifd0-Make"), StringComparison.Ordinal);
        Assert.DoesNotContain(located.GetFields(), f => f.StartsWith("exif-ifd3-", StringComparison.Ordinal));
        Assert.NotEqual(IntPtr.Zero, located.GetTypeOf("iptc-data"));

        using var stripped = Image.NewFromBuffer(Render(source, MetadataPolicy.StripAll));
        foreach (var field in new[] { "exif-data", "xmp-data", "iptc-data" })
        {
            Assert.Equal(IntPtr.Zero, stripped.GetTypeOf(field));
        }

        Assert.NotEqual(IntPtr.Zero, stripped.GetTypeOf("icc-profile-data")); // the colours need it

        byte[] Render(byte[] bytes, MetadataPolicy policy) =>
            fixture.Renderer.Render(bytes, "gps", new TextStyle { Output = new OutputStyle { Metadata = policy } }).Data.ToArray();
    }

    [Fact]
    public void Sixteen_bit_png_stays_sixteen_bit()
    {
        using var deep = Vips(80, 60).Cast(Enums.BandFormat.Ushort, shift: true).Copy(interpretation: Enums.Interpretation.Rgb16);
        var source = deep.PngsaveBuffer(bitdepth: 16);

        var result = fixture.Renderer.Render(source, "IH", new TextStyle { OutlineRatio = 0, Color = "#FF0000", AutoFit = false, FontSizeRatio = 0.6 });

        using var decoded = Image.NewFromBuffer(result.Data.ToArray());
        Assert.Equal(Enums.BandFormat.Ushort, decoded.Format);
        var red = decoded.ExtractBand(0).Max();
        Assert.True(red > 65000, $"no red caption at full 16-bit depth: {red} {decoded.Interpretation} {decoded.Bands}");
    }

    [Theory]
    [InlineData("Golden hour\nover the bay", "shadow")]
    [InlineData("你好世界 😀🎉 नमस्ते ÅÉ", "background")]
    [InlineData("Jumpy quill, Åg!", "outline")]
    public void The_caption_region_holds_every_pixel_the_caption_draws(string text, string kind)
    {
        var style = kind switch
        {
            "shadow" => new TextStyle { Shadow = new ShadowStyle { Color = "#000000AA", OffsetX = 0.2, OffsetY = 0.3, Blur = 0.3 } },
            "background" => new TextStyle { Anchor = Anchor.Center, Background = new BackgroundStyle { Color = "#0000FF80", Padding = 0.5 } },
            _ => new TextStyle { OutlineRatio = 0.4, Anchor = Anchor.TopLeft, FontFamily = FontLibrary.SerifFamily },
        };
        using var everywhere = new SKBitmap(new SKImageInfo(400, 300, SKColorType.Rgba8888, SKAlphaType.Premul));
        everywhere.Erase(SKColors.Transparent);

        fixture.Renderer.DrawCaption(everywhere, text, style.Over(TextStyle.Default));
        var extent = fixture.Renderer.Extent(text, style, 400, 300);

        var ink = TestImages.Count(everywhere, (_, _, c) => c.Alpha > 0);
        var outside = TestImages.Count(everywhere, (x, y, c) => c.Alpha > 0 && !extent.Contains(x + 0.5f, y + 0.5f));
        Assert.True(ink > 500, $"only {ink} ink pixels");
        Assert.Equal(0, outside);
        Assert.True(extent.Width * extent.Height < 400 * 300 * 0.8, $"extent {extent} is not tight");
    }

    /// <summary>A gradient as a libvips image (sRGB, 3 bands).</summary>
    private static Image Vips(int width, int height) => Image.NewFromBuffer(TestImages.Gradient(width, height));

    /// <summary>A 64x48 JPEG with EXIF (Make, orientation, a GPS block), XMP, IPTC and an sRGB ICC profile.</summary>
    internal static byte[] WithMetadata(ushort orientation)
    {
        using var image = Vips(64, 48);
        using var tagged = image.Mutate(m =>
        {
            m.Set(GValue.BlobType, "exif-data", Exif(orientation));
            m.Set(GValue.BlobType, "xmp-data", Encoding.UTF8.GetBytes(Xmp));
            m.Set(GValue.BlobType, "iptc-data", Iptc("caption-by-iptc"));
        });
        using var profiled = tagged.IccTransform("srgb", embedded: false, inputProfile: "srgb");
        return profiled.JpegsaveBuffer(q: 90, keep: Enums.ForeignKeep.All);
    }

    /// <summary>"Exif\0\0" and a little-endian TIFF: IFD0 with Make, Orientation and a GPS IFD pointer; the GPS IFD with a latitude ref.</summary>
    private static byte[] Exif(ushort orientation)
    {
        var tiff = new byte[128];
        "II"u8.CopyTo(tiff);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(2), 42);
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(4), 8);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(8), 3);
        Entry(10, 0x010F, 2, 10, 64); // Make, ASCII, at 64
        Entry(22, 0x0112, 3, 1, orientation);
        Entry(34, 0x8825, 4, 1, 80); // GPS IFD at 80
        "ImageJobs\0"u8.CopyTo(tiff.AsSpan(64));
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(80), 1);
        Entry(82, 0x0001, 2, 2, 'N'); // GPSLatitudeRef "N\0" fits in the entry
        return [.. "Exif\0\0"u8, .. tiff];

        void Entry(int at, ushort tag, ushort type, uint count, uint value)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at), tag);
            BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at + 2), type);
            BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(at + 4), count);
            if (type == 3)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at + 8), (ushort)value);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(at + 8), value);
            }
        }
    }

    /// <summary>A Photoshop APP13 payload with one IPTC record: 2:120, the caption.</summary>
    private static byte[] Iptc(string caption)
    {
        byte[] record = [0x1C, 0x02, 0x78, 0, (byte)caption.Length, .. Encoding.ASCII.GetBytes(caption)];
        var size = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(size, record.Length);
        return [.. "Photoshop 3.0\0"u8, .. "8BIM"u8, 0x04, 0x04, 0, 0, .. size, .. record, .. record.Length % 2 == 1 ? new byte[] { 0 } : []];
    }
}
