using Icu;
using ImageJobs.Rendering;
using ImageJobs.Rendering.Text;
using SkiaSharp;

namespace ImageJobs.Tests.Rendering;

/// <summary>
/// Whole captions through the renderer's layout: Thai breaks between words, and mixed-direction
/// prices come out in the visual order ICU's own visual map gives (ubidi_getVisualMap on the whole
/// paragraph: the order a browser draws), with brackets mirrored in right-to-left runs.
/// </summary>
[Trait("Category", "Rendering")]
public class UnicodeTextTests(RendererFixture fixture) : IClassFixture<RendererFixture>
{
    private static readonly TextStyle OneLine = new TextStyle { AutoFit = false, FontSizeRatio = 0.05, Box = new TextBoxStyle { Width = 100 } }.Over(TextStyle.Default);

    [Fact]
    public void A_long_thai_sentence_in_a_narrow_box_breaks_only_between_words()
    {
        // No spaces between Thai words: UAX #14 leaves the breaks to a dictionary (ICU's).
        const string sentence = "ภาษาไทยเป็นภาษาที่มีความสวยงามและมีประวัติศาสตร์ยาวนานมากกว่าเจ็ดร้อยปี";
        var style = new TextStyle { AutoFit = false, FontSizeRatio = 0.05, Box = new TextBoxStyle { Unit = BoxUnit.Pixels, X = 10, Y = 10, Width = 180, Height = 580 } }.Over(TextStyle.Default);

        var caption = fixture.Renderer.Compose(sentence, style, 600, 600);

        Assert.True(caption.Lines.Count >= 4, $"{caption.Lines.Count} lines");
        Assert.Equal(sentence, string.Concat(caption.Lines));
        var words = BreakIterator.GetBoundaries(BreakIterator.UBreakIteratorType.WORD, new Locale("th"), sentence)
            .Select(b => b.End).ToHashSet();
        var end = 0;
        foreach (var line in caption.Lines.SkipLast(1))
        {
            end += line.Length;
            Assert.True(words.Contains(end), $"line '{line}' ends inside a word (at {end})");
        }
    }

    [Theory]
    [InlineData("السعر ١٢٥٫٥٠ ريال")] // an Arabic price, Arabic-Indic digits with the Arabic decimal separator
    [InlineData("Total: السعر ١٢٥ today")] // the same digits after an Arabic word, in an English sentence
    [InlineData("המחיר: ₪120.50 בלבד")] // a Hebrew price, Western digits and a currency sign
    [InlineData("Sale 50% تخفيضات 大减价 today!")] // English, Arabic and Chinese on one line
    [InlineData("שלום (עולם) [abc] סוף")] // brackets in a right-to-left paragraph
    public void Mixed_direction_text_is_drawn_in_icus_visual_order(string text)
    {
        var caption = fixture.Renderer.Compose(text, OneLine, 2000, 400);
        Assert.Single(caption.Lines);

        // Clusters as drawn, left to right: runs are placed in order, and each run's glyphs are in visual order.
        var drawn = caption.Runs.SelectMany(r => r.Clusters).ToArray();
        var starts = drawn.Distinct().Order().ToArray();
        Assert.Equal(Collapse(drawn), Collapse(ExpectedVisualOrder(text).Select(i => ClusterOf(starts, i))));
        Assert.All(caption.Runs.Zip(caption.Runs.Skip(1)), pair => Assert.True(pair.First.Positions[0].X < pair.Second.Positions[0].X));
    }

    [Fact]
    public void Brackets_in_a_right_to_left_run_are_mirrored()
    {
        const string text = "שלום (עולם)";
        var caption = fixture.Renderer.Compose(text, OneLine, 2000, 400);

        // Logical "(" is drawn with the glyph of ")" and the other way round (rule L4, by HarfBuzz).
        foreach (var (bracket, mirror) in new[] { ('(', ')'), (')', '(') })
        {
            var index = text.IndexOf(bracket, StringComparison.Ordinal);
            var run = Assert.Single(caption.Runs, r => r.Clusters.Contains(index));
            Assert.True(run.RightToLeft);
            using var font = new SKFont(run.Face);
            Assert.Equal(font.GetGlyph(mirror), run.Glyphs[Array.IndexOf(run.Clusters, index)]);
            Assert.NotEqual(font.GetGlyph(bracket), font.GetGlyph(mirror));
        }
    }

    /// <summary>ICU's visual-to-logical map of the paragraph (UTF-16 indices), its direction from the first strong character.</summary>
    private static int[] ExpectedVisualOrder(string text)
    {
        using var bidi = new BiDi();
        bidi.SetPara(text, BiDi.DEFAULT_LTR, null);
        return bidi.GetVisualMap();
    }

    /// <summary>The cluster (its first code unit, as the shaper numbers it) that holds UTF-16 index <paramref name="index"/>.</summary>
    private static int ClusterOf(int[] starts, int index) => starts.Last(s => s <= index);

    private static int[] Collapse(IEnumerable<int> clusters)
    {
        var result = new List<int>();
        foreach (var cluster in clusters)
        {
            if (result.Count == 0 || result[^1] != cluster)
            {
                result.Add(cluster);
            }
        }

        return [.. result];
    }
}
