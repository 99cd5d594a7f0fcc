using ImageJobs.Producer.Batches;

namespace ImageJobs.Tests.Unit;

[Trait("Category", "Unit")]
public class LayeredManifestParserTests
{
    private static readonly BatchLimits Limits = new();

    [Fact]
    public void Csv_columns_fill_the_placeholders_by_name_or_by_the_mapping_and_nothing_else_is_kept()
    {
        const string csv = "image,First Name,last,id,unused\n"
            + "a.jpg,Ada,Lovelace,0042,x\n"
            + "\n"
            + "\"b, c.jpg\",\"Alan, M.\",Turing,0043,y\n";
        var binding = new ManifestBinding(["first", "last", "id", "index"], new Dictionary<string, string> { ["first"] = "first name" });

        var parse = LayeredManifestParser.Parse(csv, ManifestFormat.Csv, binding, Limits);

        Assert.Empty(parse.Errors);
        Assert.Equal(["a.jpg", "b, c.jpg"], parse.Items.Select(i => i.Source));
        Assert.Equal([2, 4], parse.Lines);
        // The header's "First Name" matched the mapping without regard to case; {index} stays the built-in one.
        Assert.Equal(new Dictionary<string, string> { ["first"] = "Alan, M.", ["last"] = "Turing", ["id"] = "0043" }, parse.Items[1].Values);
        Assert.All(parse.Items, i => Assert.Null(i.Text));
    }

    [Fact]
    public void A_column_the_csv_header_lacks_is_named_once_on_the_header_line()
    {
        var binding = new ManifestBinding(["first", "price", "sku"], new Dictionary<string, string> { ["sku"] = "code" });

        var parse = LayeredManifestParser.Parse("image,first\na.jpg,Ada\nb.jpg,Alan\n", ManifestFormat.Csv, binding, Limits);

        Assert.Empty(parse.Items);
        Assert.Equal([new ManifestError(1, "column \"price\" is missing"), new ManifestError(1, "column \"code\" (mapped to {sku}) is missing")], parse.Errors);
        Assert.Equal(["line 1"], ManifestParser.ValidateAs(parse, new SubmitBatchRequest { Items = parse.Items, TemplateName = "t" }, Limits).Keys);
    }

    [Fact]
    public void A_csv_without_an_image_column_or_with_a_short_row_is_refused_by_line()
    {
        var binding = new ManifestBinding(["first"]);

        var noImage = LayeredManifestParser.Parse("first\nAda\n", ManifestFormat.Csv, binding, Limits);
        var shortRow = LayeredManifestParser.Parse("image,first\na.jpg,Ada\nb.jpg\n", ManifestFormat.Csv, binding, Limits);

        Assert.Equal(1, Assert.Single(noImage.Errors).Line);
        Assert.Equal(new ManifestError(3, "1 fields where the header has 2."), Assert.Single(shortRow.Errors));
    }

    [Fact]
    public void Json_lines_take_strings_numbers_and_booleans_as_written_and_refuse_other_values()
    {
        const string jsonl = "{\"image\":\"a.jpg\",\"first\":\"Ada\",\"price\":12.50,\"vip\":true}\n"
            + "{\"image\":\"b.jpg\",\"first\":null,\"price\":1}\n"
            + "{\"image\":\"c.jpg\",\"first\":{\"x\":1},\"price\":1}\n"
            + "{\"image\":\"d.jpg\",\"price\":3}\n";
        var binding = new ManifestBinding(["first", "price", "vip"]);

        var parse = LayeredManifestParser.Parse(jsonl, ManifestFormat.JsonLines, binding, Limits);

        Assert.Equal(new Dictionary<string, string> { ["first"] = "Ada", ["price"] = "12.50", ["vip"] = "true" }, parse.Items[0].Values);
        Assert.Equal([2, 3], parse.Errors.Select(e => e.Line));
        Assert.Contains("null", parse.Errors[0].Message, StringComparison.Ordinal);
        // A row lacking a column is kept: filling the template names it on its line.
        Assert.Equal([1, 4], parse.Lines);
        Assert.False(parse.Items[1].Values!.ContainsKey("first"));
    }

    [Fact]
    public void A_mapping_naming_a_placeholder_the_template_lacks_or_an_empty_column_is_refused()
    {
        var binding = new ManifestBinding(["first"], new Dictionary<string, string> { ["frist"] = "First", ["first"] = "" });

        var problems = binding.Problems();

        Assert.Equal(["mapping.frist", "mapping.first"], problems.Keys);
        Assert.Contains("{frist}", problems["mapping.frist"][0], StringComparison.Ordinal);
    }

    [Fact]
    public void Item_keyed_problems_are_rekeyed_by_the_rows_lines()
    {
        var parse = LayeredManifestParser.Parse("image,first\na.jpg,Ada\n\nb.jpg,Alan\n", ManifestFormat.Csv, new ManifestBinding(["first"]), Limits);

        var byLine = ManifestErrors.ByLine(new Dictionary<string, string[]>
        {
            ["items[1]"] = ["layers[2].value: the check digit is wrong"],
            ["templateName"] = ["No template 'x'."],
        }, parse);

        Assert.Equal(["templateName", "line 4"], byLine.Keys);
        Assert.Equal("layers[2].value: the check digit is wrong", byLine["line 4"][0]);
    }
}
