using ImageJobs.Contracts.Styles;
using ImageJobs.Contracts.Templates;
using ImageJobs.Producer.Fonts;
using ImageJobs.Producer.Templates;
using ImageJobs.Rendering;
using ImageJobs.Rendering.Templates;
using ImageJobs.Rendering.Text;

namespace ImageJobs.Tests.Unit;

/// <summary>The families a template names, checked against the uploaded faces by path, and the faces its jobs then carry (pure).</summary>
[Trait("Category", "Unit")]
public class TemplateFontTests
{
    private const string Hash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private static readonly FontCatalogue Uploaded = new(
    [
        new FontFace($"{Hash[..63]}1.ttf", "Lobster", 400, "normal", 300, 1000, DateTimeOffset.UnixEpoch),
        new FontFace($"{Hash[..63]}2.ttf", "Lobster", 700, "normal", 300, 1000, DateTimeOffset.UnixEpoch.AddDays(1)),
        new FontFace($"{Hash[..63]}3.otf", "Inter", 400, "italic", 300, 1000, DateTimeOffset.UnixEpoch),
    ]);

    private static TemplateDefinition Definition(params JobLayer[] layers) => new() { Layers = layers };

    [Fact]
    public void Families_that_are_neither_bundled_nor_uploaded_are_refused_by_path()
    {
        var definition = Definition(
            new JobLayer("text", "title", Text: "Hello", Style: new JobStyle(FontFamily: "Comic")),
            new JobLayer("text", "body", Text: "a [font=Papyrus]b[/font] [font=lobster]c[/font]"),
            new JobLayer("text", "plain", Text: "x", Style: new JobStyle(FontFamily: "serif")));

        Assert.Null(TemplatePlan.TryCompile(definition, 2_000, out var errors, fonts: Uploaded));

        Assert.Equal(["layers[0].style.fontFamily", "layers[1].text"], errors.Keys.Order());
        Assert.Contains("'Comic' is neither bundled", errors["layers[0].style.fontFamily"]);
        Assert.Contains("'Papyrus'", errors["layers[1].text"]);
        // Without the store's faces (a caller that gives none), an uploaded family is unknown too.
        Assert.Null(TemplatePlan.TryCompile(Definition(new JobLayer("text", "t", Text: "x", Style: new JobStyle(FontFamily: "Lobster"))), 2_000, out errors));
        Assert.Single(errors);
    }

    [Fact]
    public void A_batch_template_carries_every_face_of_the_uploaded_families_it_names_and_none_for_bundled_ones()
    {
        var plan = TemplatePlan.TryCompile(Definition(
            new JobLayer("text", "title", Text: "{name}", Style: new JobStyle(FontFamily: "LOBSTER", FontWeight: 300, Italic: true)),
            new JobLayer("text", "sub", Text: "[font=Sans]x[/font]")), 2_000, out var errors, fonts: Uploaded)!;
        Assert.Empty(errors);

        Assert.Equal([("LOBSTER", $"{Hash[..63]}1.ttf"), ("LOBSTER", $"{Hash[..63]}2.ttf")], plan.Contract.Fonts!.Select(f => (f.Family, f.Blob)));
        Assert.Equal((300, true), (plan.Contract.Layers[0].Style!.FontWeight, plan.Contract.Layers[0].Style!.Italic));
        // Filled per row, the template keeps its faces.
        var problems = new List<string>();
        var fills = plan.Fill(new TemplateRow("a.jpg", 0, new Dictionary<string, string> { ["name"] = "Ada" }), problems)!;
        Assert.Equal(2, plan.Contract.Fill(fills).Fonts!.Count);
        Assert.Null(TemplatePlan.TryCompile(Definition(new JobLayer("text", "t", Text: "x", Style: new JobStyle(FontFamily: "Serif"))), 2_000, out _, fonts: Uploaded)!.Contract.Fonts);
    }

    [Fact]
    public void A_family_may_not_come_from_a_column()
    {
        Assert.Null(TemplatePlan.TryCompile(Definition(new JobLayer("text", "t", Text: "[font={family}]{name}[/font]")), 2_000, out var errors, fonts: Uploaded));

        Assert.Equal("a font family cannot be filled from a column: name it in the template", errors["layers[0].text"]);
    }

    [Theory]
    [InlineData("[weight=950]x[/weight]", "[weight=...] needs a whole number from 100 to 900")]
    [InlineData("[font=]x[/font]", "[font=...] needs a family name")]
    public void Weight_and_font_tags_are_checked_like_every_tag(string markup, string problem)
    {
        Assert.Null(RichText.TryParse(markup, out var error));
        Assert.Contains(problem, error);
        Assert.Equal(700, RichText.TryParse("[weight=300][b]x[/b][/weight]", out _)!.Spans[0].Style.WeightOver(400));
        Assert.Equal(FontLibrary.SansFamily, new TextStyle().Over(TextStyle.Default).FontFamily);
    }
}
