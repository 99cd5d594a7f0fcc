using ImageJobs.Rendering.Text;
using SkiaSharp;

namespace ImageJobs.Tests.Unit;

[Trait("Category", "Unit")]
public class RichTextTests
{
    [Fact]
    public void Tags_become_spans_over_the_plain_text()
    {
        var rich = RichText.TryParse("Now [b]only [color=#FF0000]$9[/color][/b] [s]$12[/s]", out var error);

        Assert.Null(error);
        Assert.Equal("Now only $9 $12", rich!.Text);
        Assert.Equal(
            [
                new TextSpan(0, 4, SpanStyle.Plain),
                new TextSpan(4, 5, SpanStyle.Plain with { Bold = true }),
                new TextSpan(9, 2, SpanStyle.Plain with { Bold = true, Color = new SKColor(255, 0, 0) }),
                new TextSpan(11, 1, SpanStyle.Plain),
                new TextSpan(12, 3, SpanStyle.Plain with { Strike = true }),
            ],
            rich.Spans);
    }

    [Fact]
    public void A_doubled_bracket_is_a_literal_one_and_escape_doubles_them()
    {
        var rich = RichText.TryParse("[[b] is [i]a tag[/i]", out _);

        Assert.Equal("[b] is a tag", rich!.Text);
        Assert.Equal("x [[y]] [[[[", RichText.Escape("x [y]] [["));
        Assert.Equal("x [y]] [[", RichText.TryParse(RichText.Escape("x [y]] [["), out _)!.Text);
    }

    [Fact]
    public void Sizes_multiply_when_nested_within_bounds()
    {
        var rich = RichText.TryParse("[size=2][size=3]x[/size][/size][size=0.5]y[/size]", out _);

        Assert.Equal(RichText.MaxScale, rich!.Spans[0].Style.Scale);
        Assert.Equal(0.5f, rich.Spans[1].Style.Scale);
    }

    [Fact]
    public void Line_ends_are_normalised_as_the_composer_reads_them()
    {
        Assert.Equal("a\nb\nc", RichText.TryParse("a\r\nb\rc", out _)!.Text);
        Assert.Equal("a\nb\nc", RichText.Literal("a\r\nb\rc").Text);
        Assert.Equal("[b]x[/b]", RichText.Literal("[b]x[/b]").Text);
    }

    [Theory]
    [InlineData("a [b]bold", "[b] is never closed")]
    [InlineData("a [/b]", "closes no open tag")]
    [InlineData("[b][i]x[/b][/i]", "close [/i] first")]
    [InlineData("[u]x[/u]", "[u] is not a tag")]
    [InlineData("[color=red]x[/color]", "#RRGGBB")]
    [InlineData("[size=9]x[/size]", "from 0.25 to 4")]
    [InlineData("[size=-1]x[/size]", "from 0.25 to 4")]
    [InlineData("price [ 9", "at character 7")]
    public void Bad_markup_is_refused_with_where_and_why(string markup, string expected)
    {
        Assert.Null(RichText.TryParse(markup, out var error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Nesting_is_bounded()
    {
        var deep = string.Concat(Enumerable.Repeat("[b]", RichText.MaxDepth + 1)) + "x";

        Assert.Null(RichText.TryParse(deep, out var error));
        Assert.Contains("deeper than 16", error);
    }
}
