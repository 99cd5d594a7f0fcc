using System.Text.Json;
using ImageJobs.Contracts;
using ImageJobs.Contracts.Styles;
using ImageJobs.Contracts.Templates;
using ImageJobs.Producer.Templates;
using ImageJobs.Rendering.Templates;

namespace ImageJobs.Tests.Unit;

/// <summary>A template's placeholders, checked once per template and filled and checked per row (pure).</summary>
[Trait("Category", "Unit")]
public class TemplatePlanTests
{
    private static readonly TemplateDefinition PriceTag = new()
    {
        Layers =
        [
            new JobLayer("shape", "band", Fill: "#000000AA"),
            new JobLayer("text", "title", Text: "{product} [b]{price}[/b] {{sale}}"),
            new JobLayer("barcode", "ean", Value: "{ean}", Symbology: "Ean13"),
            new JobLayer("image", "photo", ImageName: "products/{sku}.jpg"),
            new JobLayer("qr", "link", Value: "https://example.org/p/{sku}?i={index}"),
        ],
    };

    private static TemplatePlan Compile(TemplateDefinition definition)
    {
        var plan = TemplatePlan.TryCompile(definition, 2_000, out var errors, "price-tag", 3);
        Assert.Empty(errors);
        return Assert.IsType<TemplatePlan>(plan);
    }

    private static Dictionary<string, string> Row(string product, string price, string ean, string sku) =>
        new() { ["product"] = product, ["price"] = price, ["ean"] = ean, ["sku"] = sku };

    [Fact]
    public void Placeholders_are_filled_from_the_row_and_the_source_and_values_are_escaped_in_markup()
    {
        var plan = Compile(PriceTag);
        Assert.Equal(["product", "price", "ean", "sku"], plan.Columns);

        var problems = new List<string>();
        var row = new TemplateRow("in/tag.jpg", 6, Row("Tea [green]", "4.50", "4006381333931", "t-1"));
        var resolved = plan.Resolve(row, problems);

        Assert.Empty(problems);
        var layers = resolved!.Layers;
        // A value's '[' is doubled in a markup text: drawn as written, never read as a tag; '{{' is a brace.
        Assert.Equal("Tea [[green] [b]4.50[/b] {sale}", Assert.IsType<TextLayer>(layers[1]).Text);
        Assert.Equal("4006381333931", Assert.IsType<BarcodeLayer>(layers[2]).Value);
        Assert.Equal("products/t-1.jpg", Assert.IsType<ImageLayer>(layers[3]).ImageName);
        Assert.Equal("https://example.org/p/t-1?i=7", Assert.IsType<QrLayer>(layers[4]).Value);
        // What a worker draws, the batch's stored template with the job's fills, is what the plan resolved.
        var fills = plan.Fill(row, problems)!;
        Assert.Equal([1, 2, 3, 4], fills.Select(f => f.Layer));
        var drawn = plan.Contract.Fill(fills);
        Assert.Equal(("price-tag", 3), (drawn.Name, drawn.Version));
        Assert.Equal(JsonSerializer.Serialize(resolved.ToContract("price-tag", 3), JobJson.Default.JobTemplate), JsonSerializer.Serialize(drawn, JobJson.Default.JobTemplate));
    }

    [Fact]
    public void A_row_lacking_a_column_is_named_by_the_column()
    {
        var plan = Compile(PriceTag);
        var problems = new List<string>();

        Assert.Null(plan.Resolve(new TemplateRow("in/tag.jpg", 0, new Dictionary<string, string> { ["product"] = "Tea", ["ean"] = "4006381333931" }), problems));

        Assert.Equal(["column \"price\" is missing", "column \"sku\" is missing"], problems);
    }

    [Fact]
    public void A_row_whose_value_the_layer_cannot_take_is_refused_by_the_layer_path()
    {
        var plan = Compile(PriceTag);
        var problems = new List<string>();

        // A wrong check digit, a picture name that climbs out, and markup a value cannot open (the literal's own tags stay).
        Assert.Null(plan.Resolve(new TemplateRow("in/tag.jpg", 0, Row("Tea", "4.50", "4006381333932", "../secret")), problems));

        Assert.Collection(problems,
            p => Assert.StartsWith("layers[2].value: ", p, StringComparison.Ordinal),
            p => Assert.StartsWith("layers[3].imageName: the picture name 'products/../secret.jpg' is refused", p, StringComparison.Ordinal));
        Assert.Contains("check digit", problems[0], StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    // A placeholder inside a tag fills the tag: the row's value decides whether the markup parses.
    [InlineData("[color={c}]x[/color]", "#00FF00", "nope")]
    [InlineData("[size={c}]x[/size]", "1.5", "9")]
    // A lone '[' before a placeholder opens a tag the value is read into ("[[" is its literal).
    [InlineData("a[{c}]x[/b]", "b", "zz")]
    public void Markup_a_value_fills_is_parsed_per_row(string text, string good, string bad)
    {
        var plan = Compile(new TemplateDefinition { Layers = [new JobLayer("text", "t", Text: text)] });
        var problems = new List<string>();

        Assert.NotNull(plan.Fill(new TemplateRow("a.jpg", 0, new Dictionary<string, string> { ["c"] = good }), problems));
        Assert.Null(plan.Fill(new TemplateRow("a.jpg", 0, new Dictionary<string, string> { ["c"] = bad }), problems));

        Assert.Equal("layers[0].text", Assert.Single(problems).Split(':')[0]);
    }

    [Fact]
    public void A_value_in_a_markup_text_is_drawn_as_written_whatever_brackets_it_holds()
    {
        var plan = Compile(new TemplateDefinition { Layers = [new JobLayer("text", "t", Text: "[[{a}] [b]{b}[/b]\r{a}")] });
        var problems = new List<string>();

        foreach (var value in new[] { "[", "]", "[b]", "[/b]", "[[", "x[", "\r", "\uE000" })
        {
            var values = new Dictionary<string, string> { ["a"] = value, ["b"] = value };
            var fills = plan.Fill(new TemplateRow("a.jpg", 0, values), problems);

            Assert.Empty(problems);
            var text = Assert.IsType<TextLayer>(plan.Resolve(new TemplateRow("a.jpg", 0, values), problems)!.Layers[0]).Text;
            Assert.Equal(fills![0].Value, text);
            Assert.NotNull(ImageJobs.Rendering.Text.RichText.TryParse(text, out _));
        }
    }

    [Fact]
    public void A_rows_pictures_are_the_templates_own_and_those_its_values_name()
    {
        var plan = Compile(new TemplateDefinition
        {
            Layers = [new JobLayer("image", "logo", ImageName: "brand/logo.png"), .. PriceTag.Layers!],
        });
        var problems = new List<string>();

        var fills = plan.Fill(new TemplateRow("in/tag.jpg", 0, Row("Tea", "4.50", "4006381333931", "t-1")), problems)!;

        Assert.Equal(["brand/logo.png", "products/t-1.jpg"], plan.Pictures(fills));
    }

    [Fact]
    public void Problems_of_the_template_itself_are_named_by_path_before_any_row()
    {
        var definition = new TemplateDefinition
        {
            Layers =
            [
                new JobLayer("text", "title", Box: new JobTextBox("Pixels", 0, 0, -5, 10), Text: "Hello {name"),
                new JobLayer("qr", "code", Value: "{url}", Color: "red"),
                new JobLayer("image", "logo", ImageName: "../brand/logo.png"),
                new JobLayer("text", "title", Text: "price }"),
            ],
            Output = new JobOutput(Quality: 500),
        };

        Assert.Null(TemplatePlan.TryCompile(definition, 2_000, out var errors));

        Assert.Contains("layers[0].box.width", errors.Keys);
        Assert.Contains("not closed", errors["layers[0].text"], StringComparison.Ordinal);
        Assert.Contains("layers[1].color", errors.Keys);
        Assert.Contains("layers[2].imageName", errors.Keys);
        Assert.Contains("closes no placeholder", errors["layers[3].text"], StringComparison.Ordinal);
        Assert.Contains("layers[3].name", errors.Keys);
        Assert.Contains("output.quality", errors.Keys);
        // The QR's value holds a placeholder: it is checked per row, not here.
        Assert.DoesNotContain("layers[1].value", errors.Keys);
    }

    [Fact]
    public void An_unknown_kind_or_name_and_an_empty_template_are_refused_by_path()
    {
        Assert.Null(TemplatePlan.TryCompile(new TemplateDefinition { Layers = [new JobLayer("image", "logo", ImageName: "a.png", Fit: "Squash")] }, 2_000, out var errors));
        Assert.StartsWith("'Squash' is not one of", errors["layers[0].fit"], StringComparison.Ordinal);

        Assert.Null(TemplatePlan.TryCompile(new TemplateDefinition { Layers = [] }, 2_000, out errors));
        Assert.Equal(["layers"], errors.Keys);
    }

    [Fact]
    public void A_column_named_like_a_built_in_wins_and_a_prefix_row_reads_metadata()
    {
        var plan = Compile(new TemplateDefinition { Layers = [new JobLayer("text", "t", Text: "{name}/{stem}/{meta:owner}/{meta:none}")] });
        Assert.Empty(plan.Columns);
        Assert.True(plan.UsesMetadata);
        var problems = new List<string>();

        var fromSource = plan.Resolve(new TemplateRow("in/cat.photo.jpg", 0, new Dictionary<string, string> { ["meta:owner"] = "ada" }), problems);
        var fromColumn = plan.Resolve(new TemplateRow("in/cat.jpg", 0, new Dictionary<string, string> { ["name"] = "Grace" }), problems);

        Assert.Equal("cat.photo.jpg/cat.photo/ada/", Assert.IsType<TextLayer>(fromSource!.Layers[0]).Text);
        Assert.Equal("Grace/cat//", Assert.IsType<TextLayer>(fromColumn!.Layers[0]).Text);
    }

    [Fact]
    public void An_output_name_is_filled_per_row_and_refused_for_path_segments_and_control_characters()
    {
        var definition = PriceTag with { OutputName = "{sku}-{product}.png" };
        var plan = Compile(definition);
        Assert.True(plan.NamesResults);
        var problems = new List<string>();

        Assert.Equal("t-1-Tea.png", plan.ResultName(new TemplateRow("in/a.jpg", 0, Row("Tea", "1", "4006381333931", "t-1")), problems));
        Assert.Null(plan.ResultName(new TemplateRow("in/a.jpg", 0, Row("a/b", "1", "4006381333931", "t-1")), problems));
        Assert.Null(plan.ResultName(new TemplateRow("in/a.jpg", 0, Row(@"back\slash", "1", "4006381333931", "t-1")), problems));
        Assert.Null(plan.ResultName(new TemplateRow("in/a.jpg", 0, Row("bell\u0007", "1", "4006381333931", "t-1")), problems));
        Assert.Collection(problems,
            p => Assert.Contains("holds '/'", p, StringComparison.Ordinal),
            p => Assert.Contains("holds '/' or '\\'", p, StringComparison.Ordinal),
            p => Assert.Contains("control character", p, StringComparison.Ordinal));

        // A batch's pattern wins over the template's; a literal name that can never be valid is refused at once.
        Assert.Null(TemplatePlan.TryCompile(definition, 2_000, out var errors, outputName: "../out.png"));
        Assert.Equal(["outputName"], errors.Keys);
        Assert.Equal("T-1", ResultNames.CollisionKey("t-1.png"));
        Assert.Equal(ResultNames.CollisionKey("A.jpg"), ResultNames.CollisionKey("a.png"));
    }

    [Theory]
    [InlineData("{}", "character 1")]
    [InlineData("a {b", "character 3")]
    [InlineData("a {b {c}", "character 3")]
    [InlineData("}", "character 1")]
    public void A_stray_brace_is_refused_at_its_position(string text, string position)
    {
        Assert.Null(FieldPattern.TryParse(text, out var error));
        Assert.StartsWith(position, error, StringComparison.Ordinal);
    }
}
