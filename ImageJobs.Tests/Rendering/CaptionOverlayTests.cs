using System.Runtime.InteropServices;
using ImageJobs.Rendering.Imaging;
using NetVips;
using SkiaSharp;

namespace ImageJobs.Tests.Rendering;

/// <summary>The caption's region blended inside libvips' pipeline by our own generate callback.</summary>
[Trait("Category", "Rendering")]
public class CaptionOverlayTests
{
    private const int Width = 64, Height = 48;
    private static readonly SKRectI Region = SKRectI.Create(10, 20, 30, 15);

    [Theory]
    [InlineData(3, false)]
    [InlineData(4, false)]
    [InlineData(3, true)]
    [InlineData(4, true)]
    public void Only_the_region_changes_and_it_is_blended_pixel_by_pixel(int bands, bool deep)
    {
        using var source = Source(bands, deep);

        using var blended = CaptionOverlay.Blend(source, Region, Paint);

        Assert.Equal((Width, Height, bands, source.Format), (blended.Width, blended.Height, blended.Bands, blended.Format));
        var expected = Bytes(source);
        Expect(expected, bands, deep);
        var actual = Bytes(blended);
        Assert.NotEqual(Bytes(source), actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void The_result_keeps_its_source_alive()
    {
        var source = Source(3, deep: false);
        var expected = Bytes(source);
        Expect(expected, 3, deep: false);

        using var blended = CaptionOverlay.Blend(source, Region, Paint);
        source.Dispose();
        GC.Collect();
        GC.WaitForPendingFinalizers();

        Assert.Equal(expected, Bytes(blended));
    }

    [Fact]
    public void Blends_stack_and_each_stays_in_its_region()
    {
        using var source = Source(3, deep: false);
        var second = SKRectI.Create(40, 2, 20, 10);

        using var once = CaptionOverlay.Blend(source, Region, Paint);
        using var twice = CaptionOverlay.Blend(once, second, Paint);

        var expected = Bytes(source);
        Expect(expected, 3, deep: false);
        Expect(expected, 3, deep: false, second);
        Assert.Equal(expected, Bytes(twice));
    }

    [Fact]
    public void A_region_outside_the_image_or_an_unsupported_format_is_refused()
    {
        using var source = Source(3, deep: false);
        Assert.Throws<ArgumentOutOfRangeException>(() => CaptionOverlay.Blend(source, SKRectI.Create(50, 40, 20, 10), Paint));
        Assert.Throws<ArgumentOutOfRangeException>(() => CaptionOverlay.Blend(source, SKRectI.Create(5, 5, 0, 10), Paint));
        using var grey = source.ExtractBand(0);
        Assert.Throws<ArgumentException>(() => CaptionOverlay.Blend(grey, Region, Paint));
        using var floats = source.Cast(Enums.BandFormat.Float);
        Assert.Throws<ArgumentException>(() => CaptionOverlay.Blend(floats, Region, Paint));
    }

    /// <summary>Translucent, opaque and antialiased ink, some of it beyond the region (clipped away).</summary>
    private static void Paint(SKCanvas canvas)
    {
        using var paint = new SKPaint { IsAntialias = true, Color = new SKColor(250, 40, 90, 140) };
        canvas.DrawCircle(20, 26, 12, paint);
        paint.Color = new SKColor(20, 200, 60);
        canvas.DrawRect(0, 30, Width, 3, paint);
        paint.Color = new SKColor(255, 255, 255, 60);
        canvas.DrawRect(30, 0, 12, Height, paint);
    }

    /// <summary>Every value different; alpha, if any, from transparent to opaque. A lazy image (a crop of memory).</summary>
    private static Image Source(int bands, bool deep)
    {
        var values = Enumerable.Range(0, Width * Height * bands).Select(i => (i % bands == 3) ? (i * 7) % 256 : (i * 37) % 251).ToArray();
        using var memory = deep
            ? Image.NewFromMemory(values.Select(v => (ushort)(v * 257)).ToArray(), Width, Height, bands, Enums.BandFormat.Ushort)
            : Image.NewFromMemory(values.Select(v => (byte)v).ToArray(), Width, Height, bands, Enums.BandFormat.Uchar);
        return memory.Crop(0, 0, Width, Height - 1).Embed(0, 0, Width, Height, extend: Enums.Extend.Copy);
    }

    private static byte[] Bytes(Image image) => image.Format == Enums.BandFormat.Ushort
        ? MemoryMarshal.AsBytes(image.WriteToMemory<ushort>().AsSpan()).ToArray()
        : image.WriteToMemory<byte>();

    /// <summary>What the blend should give: <see cref="Paint"/> drawn by Skia alone, blended by <see cref="PixelBlend"/> line by line.</summary>
    private static void Expect(byte[] image, int bands, bool deep, SKRectI? where = null)
    {
        var region = where ?? Region;
        using var caption = new SKBitmap(new SKImageInfo(region.Width, region.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        caption.Erase(SKColors.Transparent);
        using (var canvas = new SKCanvas(caption))
        {
            canvas.Translate(-region.Left, -region.Top);
            Paint(canvas);
        }

        var pixels = caption.GetPixelSpan();
        var pel = bands * (deep ? 2 : 1);
        for (var y = 0; y < region.Height; y++)
        {
            var line = image.AsSpan((((region.Top + y) * Width) + region.Left) * pel, region.Width * pel);
            var ink = pixels.Slice(y * region.Width * 4, region.Width * 4);
            switch (bands, deep)
            {
                case (3, false): PixelBlend.Mix(line, ink); break;
                case (4, false): PixelBlend.Over(line, ink); break;
                case (3, true): PixelBlend.Mix(MemoryMarshal.Cast<byte, ushort>(line), ink); break;
                default: PixelBlend.Over(MemoryMarshal.Cast<byte, ushort>(line), ink); break;
            }
        }
    }
}
