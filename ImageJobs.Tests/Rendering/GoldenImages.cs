using System.Runtime.CompilerServices;
using ImageJobs.Rendering;
using SkiaSharp;

namespace ImageJobs.Tests.Rendering;

/// <summary>
/// Compares a rendered image with its committed golden (Rendering/Golden/NAME.png), allowing a small
/// per-pixel difference budget (anti-aliasing may move between Skia builds). After an intended
/// change, regenerate and review them: <c>IMAGEJOBS_UPDATE_GOLDEN=1 dotnet test ImageJobs.Tests --filter Category=Golden</c>
/// </summary>
public static class GoldenImages
{
    /// <summary>A channel may differ this much before the pixel counts as different.</summary>
    public const int ChannelTolerance = 24;

    /// <summary>At most this fraction of pixels may differ.</summary>
    public const double PixelBudget = 0.005;

    public static void AssertMatches(string name, RenderedImage rendered)
    {
        var goldenPath = Path.Combine(AppContext.BaseDirectory, "Rendering", "Golden", name + ".png");
        if (Environment.GetEnvironmentVariable("IMAGEJOBS_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllBytes(Path.Combine(SourceDirectory(), "Golden", name + ".png"), rendered.Data.ToArray());
            return;
        }

        Assert.True(File.Exists(goldenPath), $"No golden {goldenPath}; create it with IMAGEJOBS_UPDATE_GOLDEN=1 dotnet test --filter Category=Golden");
        using var expected = SKBitmap.Decode(goldenPath);
        using var actual = TestImages.Decode(rendered.Data);
        Assert.Equal((expected.Width, expected.Height), (actual.Width, actual.Height));

        var differing = TestImages.Count(actual, (x, y, c) =>
        {
            var e = expected.GetPixel(x, y);
            return Math.Abs(c.Red - e.Red) > ChannelTolerance || Math.Abs(c.Green - e.Green) > ChannelTolerance
                || Math.Abs(c.Blue - e.Blue) > ChannelTolerance || Math.Abs(c.Alpha - e.Alpha) > ChannelTolerance;
        });
        var budget = (int)(actual.Width * actual.Height * PixelBudget);
        Assert.True(differing <= budget, $"{name}: {differing} pixels differ, budget {budget}");
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
