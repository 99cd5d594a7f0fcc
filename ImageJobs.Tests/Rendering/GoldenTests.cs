using ImageJobs.Rendering;
using SkiaSharp;

namespace ImageJobs.Tests.Rendering;

/// <summary>Renders small captioned images and compares them with committed goldens (<see cref="GoldenImages"/>).</summary>
[Trait("Category", "Rendering")]
[Trait("Category", "Golden")]
public class GoldenTests(RendererFixture fixture) : IClassFixture<RendererFixture>
{
    public static TheoryData<string, string, TextStyle> Cases => new()
    {
        { "latin-outline-shadow", "Golden hour\nover the bay", new TextStyle { Shadow = new ShadowStyle { Color = "#000000AA", Blur = 0.08 } } },
        { "serif-background-left", "Certificate of Achievement awarded to Ada Lovelace", new TextStyle { FontFamily = FontLibrary.SerifFamily, Bold = false, Align = TextAlignment.Left, Anchor = Anchor.TopLeft, OutlineRatio = 0, Color = "#1A1A1AFF", Background = new BackgroundStyle { Color = "#FFFFFFCC", CornerRadius = 0.3 } } },
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

        GoldenImages.AssertMatches(name, rendered);
    }

    [Fact]
    public void Comparison_notices_a_changed_caption()
    {
        // Guards the guard: a different text must blow the budget.
        var source = TestImages.Gradient(240, 160);
        using var first = TestImages.Decode(fixture.Renderer.Render(source, "Golden hour").Data);
        using var second = TestImages.Decode(fixture.Renderer.Render(source, "Golden hours").Data);
        var differing = TestImages.Count(first, (x, y, c) => Math.Abs(c.Red - second.GetPixel(x, y).Red) > GoldenImages.ChannelTolerance);
        Assert.True(differing > 240 * 160 * GoldenImages.PixelBudget);
    }

}
