using ImageJobs.Contracts;
using ImageJobs.Rendering;
using ImageJobs.Rendering.Text;
using SkiaSharp;

namespace ImageJobs.Tests.Rendering;

/// <summary>Fonts, fallback and shaping, without images.</summary>
[Trait("Category", "Rendering")]
public class ShapingTests(RendererFixture fixture) : IClassFixture<RendererFixture>
{
    [Fact]
    public void Arabic_is_shaped_into_joined_forms_narrower_than_isolated_glyphs()
    {
        const string text = "مرحبا بالعالم";
        using var shaper = new TextShaper();
        var face = fixture.Fonts.Arabic;
        var shaped = shaper.Shape(text, 0, text.Length, face, rightToLeft: true, size: 40);

        using var font = new SKFont(face, 40);
        var unshaped = font.GetGlyphs(text);
        var unshapedWidth = font.MeasureText(text);

        // Joined (initial/medial/final) forms are other glyphs than the character map's isolated ones.
        var shapedSet = shaped.Glyphs.ToHashSet();
        Assert.True(unshaped.Count(g => !shapedSet.Contains(g)) >= 5, "shaping did not change the glyphs");
        Assert.True(shaped.Width < unshapedWidth * 0.9f, $"shaped {shaped.Width} vs unshaped {unshapedWidth}");
        // Right to left: the first character's glyph is drawn at the right end.
        Assert.Equal(0, shaped.Clusters[^1]);
        Assert.True(shaped.Positions[^1].X > shaped.Positions[0].X);
    }

    [Theory]
    [InlineData(0x0628, "Noto Sans Arabic")]
    [InlineData(0x05D0, "Noto Sans Hebrew")]
    [InlineData(0x0915, "Noto Sans Devanagari")]
    [InlineData(0x0E01, "Noto Sans Thai")]
    [InlineData(0x4F60, "Droid Sans Fallback")]
    [InlineData(0xD55C, "NanumGothic")]
    [InlineData(0x1F600, "Noto Color Emoji")]
    [InlineData('A', "DejaVu Sans")]
    public void Each_script_falls_back_to_a_face_that_has_it(int codepoint, string family)
    {
        var chain = fixture.Fonts.Chain(FontLibrary.SansFamily, bold: false);
        var face = fixture.Fonts.FaceFor(chain, codepoint, previous: null);
        Assert.Equal(family, face.FamilyName);
    }

    [Fact]
    public void Cjk_text_maps_to_real_glyphs_not_missing_glyph_boxes()
    {
        const string text = "你好世界，日本語のテキスト。한국어";
        var caption = fixture.Renderer.Compose(text, TextStyle.Default.Over(TextStyle.Default), 800, 400);
        var glyphs = caption.Runs.SelectMany(r => r.Glyphs).ToArray();
        Assert.NotEmpty(glyphs);
        Assert.DoesNotContain((ushort)0, glyphs);
        Assert.All(text, c => Assert.True(fixture.Fonts.Covers(c), $"U+{(int)c:X4} not covered"));
    }

    [Theory]
    [InlineData("\U0001F468\u200D\U0001F469\u200D\U0001F467")] // family: man ZWJ woman ZWJ girl
    [InlineData("\U0001F1EF\U0001F1F5")] // flag: two regional indicators
    [InlineData("\U0001F44D\U0001F3FD")] // thumbs up with a skin tone
    public void Emoji_sequences_stay_together_and_become_one_glyph(string sequence)
    {
        var caption = fixture.Renderer.Compose(sequence, null, 800, 400);

        var run = Assert.Single(caption.Runs);
        Assert.Same(fixture.Fonts.Emoji, run.Face);
        Assert.NotEqual(0, Assert.Single(run.Glyphs));
    }

    [Fact]
    public void Mixed_direction_line_is_laid_out_in_visual_order()
    {
        var style = TextStyle.Default.Over(TextStyle.Default);

        // LTR paragraph: Latin, then the Hebrew run, then Latin again, left to right.
        var ltr = fixture.Renderer.Compose("Hello \u05E9\u05DC\u05D5\u05DD world", style, 1200, 400);
        var faces = ltr.Runs.Select(r => r.Face.FamilyName).ToList();
        Assert.Equal(["DejaVu Sans", "Noto Sans Hebrew", "DejaVu Sans"], faces.Where((f, i) => i == 0 || f != faces[i - 1]));
        var hebrewRun = ltr.Runs.First(r => r.Face.FamilyName == "Noto Sans Hebrew");
        Assert.True(hebrewRun.RightToLeft);
        Assert.True(ltr.Runs[0].Positions[0].X < hebrewRun.Positions[0].X);
        Assert.True(hebrewRun.Positions[0].X < ltr.Runs[^1].Positions[0].X);

        // RTL paragraph: the Hebrew that comes first logically is on the right, the Latin after it on the left.
        var rtl = fixture.Renderer.Compose("\u05E9\u05DC\u05D5\u05DD abc", style, 1200, 400);
        var hebrew = rtl.Runs.Single(r => r.Face.FamilyName == "Noto Sans Hebrew");
        var latin = rtl.Runs.Single(r => r.Face.FamilyName == "DejaVu Sans Bold" || r.Face.FamilyName == "DejaVu Sans");
        Assert.True(latin.Positions[0].X < hebrew.Positions[0].X);
    }

    [Fact]
    public void Auto_fit_picks_a_larger_size_for_shorter_text()
    {
        var style = TextStyle.Default.Over(TextStyle.Default);
        var shortCaption = fixture.Renderer.Compose("Hi", style, 800, 600);
        var longCaption = fixture.Renderer.Compose(string.Join(' ', Enumerable.Repeat("a longer caption", 40)), style, 800, 600);
        Assert.True(shortCaption.Size > longCaption.Size, $"{shortCaption.Size} <= {longCaption.Size}");
        Assert.Equal(0.08f * 600, shortCaption.Size, 2);
    }

    [Fact]
    public void A_max_size_below_the_default_min_is_valid_and_used()
    {
        var style = new TextStyle { FontSizeRatio = 0.01 };
        var result = fixture.Renderer.Render(TestImages.Gradient(200, 1000), "tiny", style);
        Assert.Equal(200, result.Width);
        Assert.Equal(10, fixture.Renderer.Compose("tiny", style, 200, 1000).Size, 2);
    }

    [Fact]
    public void Overflow_policy_fail_refuses_text_that_cannot_fit()
    {
        var style = new TextStyle { Overflow = OverflowPolicy.Fail, Box = new TextBoxStyle { Height = 5 } }.Over(TextStyle.Default);
        var ex = Assert.Throws<JobFailedException>(() => fixture.Renderer.Compose(string.Join(' ', Enumerable.Repeat("word", 300)), style, 400, 300));
        Assert.Equal(ErrorCodes.TextOverflow, ex.Code);
    }
}
