using System.Runtime.CompilerServices;
using ImageJobs.Rendering;
using SkiaSharp;

namespace ImageJobs.Tests.Rendering;

/// <summary>
/// Renders small images and compares them with committed goldens (Rendering/Golden/*.png),
/// allowing a small per-pixel difference budget (anti-aliasing may move between Skia builds).
/// After an intended change, regenerate and review them:
/// <c>IMAGEJOBS_UPDATE_GOLDEN=1 dotnet test ImageJobs.Tests --filter Category=Golden</c>
/// </summary>
[Trait("Category", "Rendering")]
[Trait("Category", "Golden")]
public class GoldenTests(RendererFixture fixture) : IClassFixture<RendererFixture>
{
    /// <summary>A channel may differ this much before the pixel counts as different.</summary>
    private const int ChannelTolerance = 24;

    /// <summary>At most this fraction of pixels may differ.</summary>
    private const double PixelBudget = 0.005;

    public static TheoryData<string, string, TextStyle> Cases => new()
    {
        { "latin-outline-shadow", "Golden hour\nover the bay", new TextStyle { Shadow = new ShadowStyle { Color = "#000000AA", Blur = 0.08 } } },
        { "serif-background-left", "Certificate of Achievement awarded to Ada Lovelace", new TextStyle { FontFamily = FontFamilyName.Serif, Bold = false, Align = TextAlignment.Left, Anchor = Anchor.TopLeft, OutlineRatio = 0, Color = "#1A1A1AFF", Background = new BackgroundStyle { Color = "#FFFFFFCC", CornerRadius = 0.3 } } },
        { "bidi-arabic-hebrew", "Hello مرحبا بالعالم\nשלום world 2024", new TextStyle { Anchor = Anchor.Center } },
        { "cjk-emoji-devanagari-thai", "你好世界 😀🎉\nनमस्ते दुनिया สวัสดี", new TextStyle { Anchor = Anchor.Center, Color = "#FFD700" } },
        { "ellipsis-right", string.Join(' ', Enumerable.Repeat("overflowing", 40)), new TextStyle { Align = TextAlignment.Right, FontSizeRatio = 0.12, MinFontSizeRatio = 0.1, Opacity = 0.8 } },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Render_matches_golden(string name, string text, TextStyle style)
    {
        var source = TestImages.Gradient(240, 160);
        var rendered = fixture.Renderer.Render(source, text, style with { Output = new OutputStyle { Format = OutputFormat.Png } });

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

    [Fact]
    public void Comparison_notices_a_changed_caption()
    {
        // Guards the guard: a different text must blow the budget.
        var source = TestImages.Gradient(240, 160);
        using var first = TestImages.Decode(fixture.Renderer.Render(source, "Golden hour").Data);
        using var second = TestImages.Decode(fixture.Renderer.Render(source, "Golden hours").Data);
        var differing = TestImages.Count(first, (x, y, c) => Math.Abs(c.Red - second.GetPixel(x, y).Red) > ChannelTolerance);
        Assert.True(differing > 240 * 160 * PixelBudget);
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
