using ImageJobs.Contracts;
using ImageJobs.Rendering;
using ImageJobs.Rendering.Templates;

namespace ImageJobs.Tests.Rendering;

/// <summary>Uploaded fonts: what an upload is read as, which face a weight and style pick, and that the face draws the text.</summary>
[Trait("Category", "Rendering")]
public class UploadedFontTests(RendererFixture fixture) : IClassFixture<RendererFixture>
{
    public const string Mono = "DejaVu Sans Mono";

    public static byte[] Face(string file) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Rendering", "Fonts", file));

    public static readonly string[] MonoFiles = ["DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf", "DejaVuSansMono-Oblique.ttf"];

    public static UploadedFonts MonoFamily(string family = Mono) => UploadedFonts.Load(MonoFiles.Select(f => (family, (ReadOnlyMemory<byte>)Face(f))));

    [Theory]
    [InlineData("DejaVuSansMono.ttf", 400, false)]
    [InlineData("DejaVuSansMono-Bold.ttf", 700, false)]
    [InlineData("DejaVuSansMono-Oblique.ttf", 400, true)]
    public void An_upload_is_read_as_the_family_weight_and_style_the_font_declares(string file, int weight, bool italic)
    {
        var info = UploadedFonts.Inspect(Face(file), out var problem);

        Assert.Null(problem);
        Assert.Equal((Mono, weight, italic, "ttf"), (info!.Family, info.Weight, info.Italic, info.Extension));
        Assert.True(info.Glyphs > 1000, $"{info.Glyphs} glyphs");
    }

    public static TheoryData<string, byte[]> Refused => new()
    {
        { "not a TrueType or OpenType font", "hello, world"u8.ToArray() },
        { "WOFF or WOFF2", [.. "wOF2"u8, .. new byte[64]] },
        { "a font collection", [.. "ttcf"u8, .. new byte[64]] },
        { "cannot be read", Face("DejaVuSansMono.ttf")[..2000] },
        { "not a TrueType or OpenType font", [] },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Bytes_that_are_not_a_usable_font_are_refused_with_the_reason(string reason, byte[] data)
    {
        Assert.Null(UploadedFonts.Inspect(data, out var problem));
        Assert.Contains(reason, problem);
    }

    [Theory]
    [InlineData(400, false, 400, false)]
    [InlineData(700, false, 700, false)]
    [InlineData(500, false, 400, false)] // 400-500: up to 500, then lighter
    [InlineData(600, false, 700, false)] // above 500: heavier first
    [InlineData(900, false, 700, false)]
    [InlineData(300, false, 400, false)] // below 400: lighter first, then heavier
    [InlineData(400, true, 400, true)]
    [InlineData(700, true, 400, true)] // the style first: the only italic face
    public void The_nearest_face_is_chosen_as_CSS_matches_fonts(int weight, bool italic, int expectedWeight, bool expectedItalic)
    {
        using var fonts = MonoFamily();

        var face = fonts.Match("dejavu sans mono", weight, italic)!;

        Assert.Equal((expectedWeight, expectedItalic), (face.FontStyle.Weight, face.FontStyle.Slant != SkiaSharp.SKFontStyleSlant.Upright));
        Assert.Null(fonts.Match("Absent", 400, false));
    }

    [Fact]
    public void The_uploaded_face_draws_the_text_and_the_bundled_chain_what_it_lacks()
    {
        using var fonts = MonoFamily();
        var style = new TextStyle { FontFamily = Mono, AutoFit = false, FontSizeRatio = 0.1 };

        var narrow = fixture.Renderer.Compose("iiii", style, 2000, 400, fonts);
        var wide = fixture.Renderer.Compose("WWWW", style, 2000, 400, fonts);
        var sansNarrow = fixture.Renderer.Compose("iiii", style with { FontFamily = FontLibrary.SansFamily }, 2000, 400);
        var devanagari = fixture.Renderer.Compose("abc नमस्ते", style, 2000, 400, fonts);

        // Monospaced: every character is as wide; the bundled sans's i is far narrower than its W.
        Assert.Equal(narrow.Bounds.Width, wide.Bounds.Width, 1);
        Assert.True(sansNarrow.Bounds.Width < narrow.Bounds.Width * 0.7, $"{sansNarrow.Bounds.Width} vs {narrow.Bounds.Width}");
        Assert.All(narrow.Runs, run => Assert.Equal(Mono, run.Face.FamilyName));
        // DejaVu Sans Mono has no Devanagari: the bundled Devanagari face draws it.
        Assert.Contains(devanagari.Runs, run => run.Face.FamilyName == "Noto Sans Devanagari");
        Assert.Contains(devanagari.Runs, run => run.Face.FamilyName == Mono);
    }

    [Fact]
    public void A_family_that_is_neither_bundled_nor_uploaded_fails_with_its_own_code()
    {
        var template = new Template { Layers = [new TextLayer { Name = "t", Text = "Hello [font=Lobster]there[/font]" }] };

        var ex = Assert.Throws<JobFailedException>(() => fixture.Renderer.Render(TestImages.Gradient(200, 100), template));

        Assert.Equal(ErrorCodes.FontMissing, ex.Code);
        Assert.Contains("'Lobster'", ex.Message);
        Assert.True(ErrorCodes.Find(ErrorCodes.FontMissing)!.Permanent);
    }

    [Fact]
    public void A_layer_and_a_span_in_an_uploaded_family_match_the_golden_image()
    {
        using var fonts = MonoFamily();
        var template = new Template
        {
            Layers =
            [
                new TextLayer { Name = "code", Text = "MONO 0123 [b]bold[/b] [i]oblique[/i]", Style = new TextStyle { FontFamily = Mono, Bold = false, Anchor = Anchor.TopLeft, FontSizeRatio = 0.11, OutlineRatio = 0 } },
                new TextLayer { Name = "mixed", Text = "Sans [font=DejaVu Sans Mono][weight=400]mono span[/weight][/font] sans", Style = new TextStyle { Bold = true, FontSizeRatio = 0.1 } },
            ],
            Output = new OutputStyle { Format = OutputFormat.Png },
        };

        var rendered = fixture.Renderer.Render(TestImages.Gradient(320, 200), template, fonts: fonts);

        GoldenImages.AssertMatches("template-uploaded-font", rendered);
    }
}
