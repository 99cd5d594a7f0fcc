using ImageJobs.Rendering;
using ImageJobs.Rendering.Layout;

namespace ImageJobs.Tests.Rendering;

/// <summary>Layout arithmetic on made-up advances (and ICU's break marks for real text): no fonts, no images.</summary>
[Trait("Category", "Rendering")]
public sealed class LayoutTests : IDisposable
{
    private static readonly LineMetrics Metrics = new(Ascent: 0.8f, Descent: 0.2f, LineAdvance: 1.2f, InkMargin: 0);

    private readonly TextBreaks _breaks = new();

    /// <summary>Every code unit 0.5 em wide, with the break marks ICU gives the text.</summary>
    private BreakUnit[] Units(string text) => [.. _breaks.Analyze(text).Select(marks => new BreakUnit(0.5f, marks))];

    private string[] Wrap(string text, float maxWidth, out bool cut)
    {
        var lines = new List<LineSpan>();
        cut = LineBreaker.Wrap(Units(text), 0, maxWidth, lines);
        return [.. lines.Select(l => text[l.Start..l.End])];
    }

    public void Dispose() => _breaks.Dispose();

    [Fact]
    public void Wrap_breaks_at_spaces_and_drops_trailing_spaces()
    {
        // 7 characters fit in 3.5 em.
        Assert.Equal(["aaa bbb", "ccc dd"], Wrap("aaa bbb ccc dd", 3.5f, out var cut));
        Assert.False(cut);
    }

    [Fact]
    public void Wrap_breaks_after_a_hyphen_inside_a_word()
    {
        Assert.Equal(["a well-", "known fact"], Wrap("a well-known fact", 5f, out var cut));
        Assert.False(cut);
    }

    [Fact]
    public void Wrap_cuts_a_word_wider_than_the_line_between_characters()
    {
        var lines = Wrap("abcdefghij xy", 2f, out var cut);
        Assert.True(cut);
        Assert.Equal(["abcd", "efgh", "ij", "xy"], lines);
    }

    [Fact]
    public void Wrap_breaks_between_ideographs_but_not_before_closing_punctuation()
    {
        var lines = Wrap("一二三四。五六", 2f, out var cut);
        Assert.False(cut);
        Assert.Equal(["一二三", "四。五六"], lines);
    }

    [Fact]
    public void Wrap_never_separates_a_combining_mark_from_its_base()
    {
        // e + COMBINING ACUTE twice: two clusters, one word; a 1 em line holds one cluster.
        var units = _breaks.Analyze("e\u0301e\u0301").Select((marks, i) => new BreakUnit(i % 2 == 0 ? 1 : 0, marks)).ToArray();
        var lines = new List<LineSpan>();
        Assert.True(LineBreaker.Wrap(units, 0, 1, lines));
        Assert.Equal([(0, 2), (2, 4)], lines.Select(l => (l.Start, l.End)));
    }

    [Fact]
    public void Wrap_keeps_small_kana_and_closing_brackets_off_the_start_of_a_line()
    {
        // CJK rules of UAX #14: no break before small kana (ッ, CJ) or a closing bracket (」, CL).
        // (The old rules broke before ッ: it was taken for an ideograph.)
        Assert.Equal(["「カッ", "プ」で", "す"], Wrap("「カップ」です", 1.5f, out var cut));
        Assert.False(cut);
    }

    [Fact]
    public void Wrapped_lines_are_never_wider_than_the_limit()
    {
        var text = "the quick brown fox jumps over the lazy dog again and again";
        foreach (var max in new[] { 2.5f, 4f, 7.3f, 11f })
        {
            var lines = new List<LineSpan>();
            LineBreaker.Wrap(Units(text), 0, max, lines);
            Assert.All(lines, l => Assert.True(l.Width <= max + 1e-3f, $"{l.Width} > {max}"));
            Assert.All(lines, l => Assert.Equal((l.End - l.Start) * 0.5f, l.Width, 3));
        }
    }

    private FitRequest Request(string text, float boxWidth = 200, float boxHeight = 60, bool autoFit = true, OverflowPolicy overflow = OverflowPolicy.Ellipsis, float min = 8, float max = 80) =>
        new([.. text.Split('\n').Select(Units)], boxWidth, boxHeight, min, max, autoFit, overflow, Metrics, EllipsisWidth: 1f);

    [Fact]
    public void Fit_picks_a_larger_size_for_shorter_text()
    {
        var shortText = TextFitter.Fit(Request("short"));
        var longText = TextFitter.Fit(Request("a much longer caption that needs several lines to fit"));
        Assert.False(shortText.Overflowed);
        Assert.False(longText.Overflowed);
        Assert.True(shortText.Size > longText.Size, $"{shortText.Size} <= {longText.Size}");
    }

    [Fact]
    public void Fit_finds_the_largest_size_that_fits()
    {
        var request = Request("a caption that wraps onto a few lines in the box");
        var fit = TextFitter.Fit(request);
        Assert.False(fit.Overflowed);
        Assert.True(Metrics.BlockHeight(fit.Lines.Count) * fit.Size <= request.BoxHeight + 1e-3);
        Assert.All(fit.Lines, l => Assert.True(l.Width * fit.Size <= request.BoxWidth + 1e-2));
        // Half a pixel larger no longer fits.
        Assert.True(TextFitter.TryLayout(request, fit.Size + 0.5f, allowCutWords: false).Overflowed);
    }

    [Fact]
    public void Fit_honours_explicit_newlines()
    {
        var fit = TextFitter.Fit(Request("one\ntwo\nthree", boxWidth: 1000, boxHeight: 1000));
        Assert.Equal([0, 1, 2], fit.Lines.Select(l => l.Paragraph));
        Assert.Equal(80, fit.Size);
    }

    [Fact]
    public void Overflow_fail_reports_overflow_and_ellipsis_truncates_to_the_box()
    {
        var text = string.Join(' ', Enumerable.Repeat("word", 60));
        var failed = TextFitter.Fit(Request(text, overflow: OverflowPolicy.Fail, min: 20));
        Assert.True(failed.Overflowed);

        var request = Request(text, overflow: OverflowPolicy.Ellipsis, min: 20);
        var truncated = TextFitter.Fit(request);
        Assert.False(truncated.Overflowed);
        Assert.Equal(20, truncated.Size);
        Assert.True(truncated.Lines[^1].Ellipsis);
        Assert.True(Metrics.BlockHeight(truncated.Lines.Count) * 20 <= request.BoxHeight);
        Assert.True((truncated.Lines[^1].Width + request.EllipsisWidth) * 20 <= request.BoxWidth + 1e-3);
    }

    [Fact]
    public void Without_auto_fit_the_max_size_is_used()
    {
        var fit = TextFitter.Fit(Request("hi", autoFit: false, max: 30));
        Assert.Equal(30, fit.Size);
    }

    [Theory]
    [InlineData(Anchor.TopLeft, 10f, 20f)]
    [InlineData(Anchor.TopCenter, 95f, 20f)]
    [InlineData(Anchor.TopRight, 180f, 20f)]
    [InlineData(Anchor.MiddleLeft, 10f, 75f)]
    [InlineData(Anchor.Center, 95f, 75f)]
    [InlineData(Anchor.MiddleRight, 180f, 75f)]
    [InlineData(Anchor.BottomLeft, 10f, 130f)]
    [InlineData(Anchor.BottomCenter, 95f, 130f)]
    [InlineData(Anchor.BottomRight, 180f, 130f)]
    public void Anchors_place_the_block_at_nine_points_of_the_box(Anchor anchor, float left, float top)
    {
        // Box 10..210 x 20..140; one line 30 px wide at size 10 (block 10 px tall).
        var box = new LayoutRect(10, 20, 200, 120);
        var block = BlockPlacer.Place(box, anchor, 0, 0, TextAlignment.Left, [30f], 10, Metrics);
        Assert.Equal(left, block.Bounds.Left, 3);
        Assert.Equal(top, block.Bounds.Top, 3);
        Assert.Equal(top + 8, block.Lines[0].Baseline, 3);
        Assert.True(box.Contains(block.Bounds));
    }

    [Fact]
    public void Offset_moves_the_block_and_alignment_moves_lines_inside_it()
    {
        var box = new LayoutRect(0, 0, 300, 300);
        var block = BlockPlacer.Place(box, Anchor.TopLeft, 5, 7, TextAlignment.Right, [100f, 40f], 10, Metrics);
        Assert.Equal((5f, 7f), (block.Bounds.Left, block.Bounds.Top));
        Assert.Equal(block.Lines[0].X + 100, block.Lines[1].X + 40, 3);
        Assert.Equal(12, block.Lines[1].Baseline - block.Lines[0].Baseline, 3);

        var centred = BlockPlacer.Place(box, Anchor.TopLeft, 0, 0, TextAlignment.Center, [100f, 40f], 10, Metrics);
        Assert.Equal(30, centred.Lines[1].X, 3);
    }

    [Fact]
    public void Box_in_percent_and_pixels_resolves_against_the_image()
    {
        Assert.Equal(new LayoutRect(40, 15, 320, 240), BlockPlacer.ResolveBox(new TextBoxStyle { X = 10, Y = 5, Width = 80, Height = 80 }, 400, 300));
        Assert.Equal(new LayoutRect(10, 20, 90, 30), BlockPlacer.ResolveBox(new TextBoxStyle { Unit = BoxUnit.Pixels, X = 10, Y = 20, Width = 500, Height = 30 }, 100, 100));
    }

    [Theory]
    [InlineData(new byte[] { 0, 1, 1, 0 }, new[] { 0, 2, 1, 3 })]
    [InlineData(new byte[] { 1, 2, 2, 1 }, new[] { 3, 1, 2, 0 })]
    [InlineData(new byte[] { 1, 1, 1 }, new[] { 2, 1, 0 })]
    [InlineData(new byte[] { 0, 0 }, new[] { 0, 1 })]
    public void Visual_order_reverses_right_to_left_sequences(byte[] levels, int[] expected) =>
        Assert.Equal(expected, Bidi.VisualOrder(levels));

    [Fact]
    public void Levels_follow_strong_characters_and_the_paragraph_direction()
    {
        // LTR paragraph: Hebrew at level 1, the space between Latin and Hebrew takes the paragraph's level 0.
        var ltr = Bidi.Resolve("ab \u05D0\u05D1 cd");
        Assert.Equal(0, ltr.Level);
        Assert.Equal(new byte[] { 0, 0, 0, 1, 1, 0, 0, 0 }, ltr.Levels);

        // RTL paragraph (first strong is Hebrew): the space between two Hebrew words stays RTL, Latin and digits after it go to level 2.
        var rtl = Bidi.Resolve("\u05D0 \u05D1 ab 12");
        Assert.True(rtl.RightToLeft);
        Assert.Equal(new byte[] { 1, 1, 1, 1, 2, 2, 2, 2, 2 }, rtl.Levels);
    }

    [Fact]
    public void Arabic_indic_digits_after_an_arabic_word_are_a_number_inside_its_run()
    {
        // "Price: <price> <123>": the Arabic-Indic digits (AN) stay in the right-to-left run at level 2,
        // so they are drawn left of the Arabic word. (The old subset made them strong LTR, level 0: right of it.)
        var paragraph = Bidi.Resolve("Price: \u0627\u0644\u0633\u0639\u0631 \u0661\u0662\u0663");
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2 }, paragraph.Levels);
    }

    [Fact]
    public void Isolates_and_embeddings_raise_levels()
    {
        // RLI ... PDI: Latin inside a right-to-left isolate in an LTR paragraph is at level 2; the isolate's marks stay at 0.
        Assert.Equal(new byte[] { 0, 0, 0, 0, 2, 2, 0 }, Bidi.Resolve("ab \u2067cd\u2069").Levels);

        // RLO ... PDF: the Latin letters inside are overridden to right-to-left (level 1); the controls themselves are removed by X9.
        var overridden = Bidi.Resolve("a\u202Ebc\u202Cd").Levels;
        Assert.Equal(new byte[] { 0, 1, 1, 0 }, new[] { overridden[0], overridden[2], overridden[3], overridden[5] });
    }
}
