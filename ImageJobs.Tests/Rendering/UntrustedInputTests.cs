using System.Diagnostics;
using ImageJobs.Contracts;
using ImageJobs.Rendering;
using SkiaSharp;

namespace ImageJobs.Tests.Rendering;

/// <summary>Every refusal has its stable code; bombs are refused from the header.</summary>
[Trait("Category", "Rendering")]
[Collection(nameof(MemoryMeasurements))]
public class UntrustedInputTests(RendererFixture fixture) : IClassFixture<RendererFixture>
{
    private string CodeOf(ReadOnlyMemory<byte> source, string text = "x", TextStyle? style = null, ImageRenderer? renderer = null) =>
        Assert.Throws<JobFailedException>(() => (renderer ?? fixture.Renderer).Render(source, text, style)).Code;

    [Fact]
    public void Zero_bytes_are_refused() => Assert.Equal(ErrorCodes.EmptySource, CodeOf(ReadOnlyMemory<byte>.Empty));

    [Fact]
    public void Bytes_over_the_size_limit_are_refused()
    {
        using var renderer = fixture.WithLimits(new RenderLimits { MaxSourceBytes = 100 });
        Assert.Equal(ErrorCodes.SourceTooLarge, CodeOf(TestImages.Gradient(64, 64), renderer: renderer));
    }

    [Fact]
    public void Non_image_bytes_are_refused() =>
        Assert.Equal(ErrorCodes.NotAnImage, CodeOf("<html><body>not a picture</body></html>"u8.ToArray()));

    [Fact]
    public void A_damaged_header_behind_an_image_signature_is_corrupt_not_a_non_image()
    {
        var jpeg = TestImages.Gradient(200, 150, SKEncodedImageFormat.Jpeg);
        byte[] damaged = [.. jpeg.AsSpan(0, 4), .. new byte[4000]];

        Assert.Equal(ErrorCodes.CorruptImage, CodeOf(damaged));
    }

    [Fact]
    public void A_format_off_the_allow_list_is_refused() => Assert.Equal(ErrorCodes.UnsupportedFormat, CodeOf(TestImages.Wbmp()));

    [Fact]
    public void Truncated_jpeg_is_refused()
    {
        var jpeg = TestImages.Gradient(200, 150, SKEncodedImageFormat.Jpeg);
        Assert.Equal(ErrorCodes.TruncatedImage, CodeOf(jpeg.AsMemory(0, jpeg.Length / 2)));
    }

    [Fact]
    public void Corrupt_png_is_refused()
    {
        var png = TestImages.Gradient(200, 150);
        // Keep the header, scramble the compressed pixel data.
        for (var i = 60; i < png.Length - 20; i += 7)
        {
            png[i] ^= 0x5A;
        }

        Assert.Contains(CodeOf(png), new[] { ErrorCodes.CorruptImage, ErrorCodes.TruncatedImage });
    }

    [Fact]
    public void Text_over_the_length_limit_is_refused()
    {
        using var renderer = fixture.WithLimits(new RenderLimits { MaxTextLength = 10 });
        Assert.Equal(ErrorCodes.TextTooLong, CodeOf(TestImages.Gradient(32, 32), "eleven char", renderer: renderer));
    }

    [Fact]
    public void Invalid_style_is_refused_with_the_field_named()
    {
        var ex = Assert.Throws<JobFailedException>(() => fixture.Renderer.Render(TestImages.Gradient(32, 32), "x", new TextStyle { Shadow = new ShadowStyle { Color = "black" } }));
        Assert.Equal(ErrorCodes.InvalidStyle, ex.Code);
        Assert.Contains("shadow.color", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pixel_limit_is_checked_from_the_header()
    {
        using var renderer = fixture.WithLimits(new RenderLimits { MaxPixels = 1000 });
        Assert.Equal(ErrorCodes.TooManyPixels, CodeOf(TestImages.Gradient(40, 30), renderer: renderer));
    }

    [Fact]
    public void Decompression_bomb_is_refused_without_the_memory_it_declares()
    {
        // A few KB declaring 60000 x 60000 RGB: 10.8 GB if decoded.
        var bomb = TestImages.PngBomb(60_000, 60_000);
        Assert.True(bomb.Length < 8 * 1024, $"{bomb.Length} bytes");
        Assert.Equal(ErrorCodes.TooManyPixels, CodeOf(bomb)); // warm-up: code paths loaded

        var before = WorkingSet();
        var peakWasReset = ResetPeak();
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(ErrorCodes.TooManyPixels, CodeOf(bomb));
        }

        var after = WorkingSet();
        using var process = Process.GetCurrentProcess();
        var growth = (peakWasReset ? process.PeakWorkingSet64 : after) - before;
        Assert.True(growth < 8L * 1024 * 1024, $"working set (peak: {peakWasReset}) grew by {growth / 1024:N0} KiB");
    }

    private static long WorkingSet()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }

    /// <summary>Resets the process's peak RSS (Linux: "5" to /proc/self/clear_refs), so the peak measures this test only.</summary>
    private static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}

/// <summary>Memory measurements run alone: other tests' allocations would blur them.</summary>
[CollectionDefinition(nameof(MemoryMeasurements), DisableParallelization = true)]
public sealed class MemoryMeasurements;
