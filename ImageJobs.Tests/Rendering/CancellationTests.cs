using System.Diagnostics;
using ImageJobs.Rendering;
using SkiaSharp;

namespace ImageJobs.Tests.Rendering;

/// <summary>
/// A render asked to stop stops inside libvips, where its pixels are decoded and encoded (lazily,
/// in one pass), not only between stages: past its time limit, nothing of it runs on.
/// </summary>
[Trait("Category", "Rendering")]
public sealed class CancellationTests(RendererFixture fixture, ITestOutputHelper output) : IClassFixture<RendererFixture>
{
    // Encoding 16 MP of noise as WebP takes several seconds here, while opening it (header only)
    // and laying out the caption, warm, take milliseconds: a stop asked for after half a second lands
    // inside the encode, and a renderer that only checked between stages would return a result.
    private static readonly TextStyle Webp = new() { Output = new OutputStyle { Format = OutputFormat.Webp } };

    [Theory]
    [InlineData(1)]
    [InlineData(6)] // turned upright: the whole image is decoded first, inside the encode too
    public void A_render_asked_to_stop_during_its_encode_stops(int orientation)
    {
        var source = TestImages.NoiseJpeg(4000, 4000, orientation);
        fixture.Renderer.Render(TestImages.NoiseJpeg(64, 64, orientation), "Stopped", Webp); // warm: JIT, shapers
        // Cancelled from a thread of its own: a timer's callback waits for a pool thread, and with the
        // suite's tests filling the pool it came only after the render had ended. Not disposed: the
        // thread may still cancel it after a failed assertion, and without a timer it holds nothing.
        var stop = new CancellationTokenSource();
        var canceller = new Thread(() =>
        {
            Thread.Sleep(500);
            stop.Cancel();
        })
        { IsBackground = true };

        var watch = Stopwatch.StartNew();
        canceller.Start();
        var ex = Assert.ThrowsAny<OperationCanceledException>(() => fixture.Renderer.Render(source, "Stopped", Webp, stop.Token));

        output.WriteLine($"orientation {orientation}: stopped after {watch.ElapsedMilliseconds} ms");
        Assert.Equal(stop.Token, ex.CancellationToken);
    }

    [Fact]
    public void A_render_not_asked_to_stop_is_unaffected_by_its_token()
    {
        using var never = new CancellationTokenSource();

        var result = fixture.Renderer.Render(TestImages.Gradient(400, 300, SKEncodedImageFormat.Jpeg), "Kept", Webp, never.Token);

        Assert.Equal(ImageFormat.Webp, result.Format);
        Assert.Equal((400, 300), (result.Width, result.Height));
    }
}
