using ImageJobs.Producer.Batches;
using ImageJobs.Producer.Sources;

namespace ImageJobs.Tests.Unit;

[Trait("Category", "Unit")]
public class ManifestParserTests
{
    private static readonly BatchLimits Limits = new();

    [Fact]
    public void A_csv_with_quotes_commas_newlines_and_style_columns_becomes_items()
    {
        const string csv = "image,text,color,style\r\n"
            + "a.jpg,Hello,#FF0000,\r\n"
            + "\"dir/b, c.jpg\",\"Two\nlines, \"\"quoted\"\"\",,\"{\"\"outlineColor\"\":\"\"#000000\"\"}\"\r\n"
            + "\r\n"
            + "d.png,Plain,,\r\n";

        var parse = ManifestParser.Parse(csv, ManifestFormat.Csv, Limits);

        Assert.Empty(parse.Errors);
        Assert.Equal(["a.jpg", "dir/b, c.jpg", "d.png"], parse.Items.Select(i => i.Source));
        Assert.Equal("Two\nlines, \"quoted\"", parse.Items[1].Text);
        Assert.Equal("#FF0000", parse.Items[0].Style!.Color);
        Assert.Equal("#000000", parse.Items[1].Style!.OutlineColor);
        Assert.Null(parse.Items[2].Style);
        Assert.Equal([2, 3, 6], parse.Lines);
        Assert.Empty(ManifestParser.Validate(parse, null, Limits));
    }

    [Fact]
    public void Every_bad_csv_row_is_reported_by_its_line()
    {
        const string csv = "image,text,color\n"
            + "ok.jpg,fine,\n"          // line 2
            + ",no image,\n"            // line 3
            + "x.jpg,bad colour,blue\n" // line 4
            + "y.jpg,too,many,fields\n" // line 5
            + "../z.jpg,x,\n";          // line 6: a name that climbs out of the sources container

        var parse = ManifestParser.Parse(csv, ManifestFormat.Csv, Limits);
        var errors = ManifestParser.Validate(parse, null, Limits);

        Assert.Equal(["line 3", "line 4", "line 5", "line 6"], errors.Keys);
        Assert.Contains("image", errors["line 3"][0], StringComparison.Ordinal);
        Assert.StartsWith("column 3 (color):", errors["line 4"][0], StringComparison.Ordinal);
        Assert.Contains("'..'", errors["line 6"][0], StringComparison.Ordinal);
        Assert.Contains("4 fields", errors["line 5"][0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_csv_without_the_required_columns_is_refused_at_line_1()
    {
        var errors = ManifestParser.Validate(ManifestParser.Parse("file,caption\na.jpg,x\n", ManifestFormat.Csv, Limits), null, Limits);
        Assert.Equal(["line 1"], errors.Keys);
    }

    [Fact]
    public void Unknown_style_columns_are_refused()
    {
        var parse = ManifestParser.Parse("image,text,colour\na.jpg,x,#FFFFFF\n", ManifestFormat.Csv, Limits);
        Assert.Equal(2, Assert.Single(parse.Errors).Line);
    }

    [Fact]
    public void Json_lines_report_bad_json_missing_fields_and_bad_styles_by_line()
    {
        const string jsonl = """
            {"image":"a.jpg","text":"A","style":{"color":"#00FF00"}}
            {"image":"b.jpg","text":"B"
            {"source":"c.jpg"}

            {"image":"d.jpg","text":"D","style":{"color":"green"}}
            {"image":"e.jpg","text":"E","extra":1}
            [1,2]
            """;

        var parse = ManifestParser.Parse(jsonl, ManifestFormat.JsonLines, Limits);
        var errors = ManifestParser.Validate(parse, null, Limits);

        Assert.Equal("#00FF00", parse.Items[0].Style!.Color);
        Assert.Equal(["line 2", "line 3", "line 5", "line 6", "line 7"], errors.Keys);
        Assert.StartsWith("text:", errors["line 3"][0], StringComparison.Ordinal);
    }


    [Fact]
    public void Rows_nested_past_the_depth_limit_or_holding_lone_surrogates_are_errors_by_line_not_exceptions()
    {
        var jsonl = string.Join("\n",
            new string('[', 3000) + new string(']', 3000),
            string.Concat(Enumerable.Repeat("{\"style\":", 100)) + "1" + new string('}', 100),
            """{"image":"a.jpg","text":"x","style":{"color":"\ud800"}}""",
            """{"image":"a\udc00.jpg","text":"x"}""",
            """{"\ud800":1}""",
            """{"image":"ok.jpg","text":"\ud83d\ude00"}""");

        var parse = ManifestParser.Parse(jsonl, ManifestFormat.JsonLines, Limits);

        Assert.Equal([1, 2, 3, 4, 5], parse.Errors.Select(e => e.Line));
        Assert.Contains("depth", parse.Errors[0].Message, StringComparison.Ordinal);
        Assert.All(parse.Errors.Skip(2), e => Assert.Contains("not valid text", e.Message, StringComparison.Ordinal));
        Assert.Equal("\U0001F600", Assert.Single(parse.Items).Text);

        var csv = ManifestParser.Parse("image,text,style\na.jpg,x,\"{\"\"color\"\":\"\"\\ud800\"\"}\"\n", ManifestFormat.Csv, Limits);
        Assert.Contains("column 3 (style)", Assert.Single(csv.Errors).Message, StringComparison.Ordinal);
    }
    [Fact]
    public void An_empty_manifest_is_an_error() =>
        Assert.NotEmpty(ManifestParser.Parse("", ManifestFormat.JsonLines, Limits).Errors);

    [Fact]
    public void Too_many_rows_are_refused()
    {
        var limits = new BatchLimits { MaxJobsPerBatch = 2 };
        var parse = ManifestParser.Parse("image,text\na,1\nb,2\nc,3\n", ManifestFormat.Csv, limits);
        Assert.Contains("manifest", ManifestParser.Validate(parse, null, limits).Keys);
    }

    [Theory]
    [InlineData("photos/a.jpg", null)]
    [InlineData("a.JPEG", null)]
    [InlineData("../etc/passwd.jpg", "relative")]
    [InlineData("/abs.jpg", "relative")]
    [InlineData("a//b.jpg", "relative")]
    [InlineData("c:\\x.jpg", "control")]
    [InlineData("notes.txt", "image")]
    public void Upload_names_must_be_plain_relative_image_paths(string name, string? problem)
    {
        var found = SourceNames.CheckPath(name) ?? SourceNames.CheckImage(name);
        if (problem is null)
        {
            Assert.Null(found);
        }
        else
        {
            Assert.Contains(problem, found, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_zip_directory_is_checked_whole_before_any_entry_is_read()
    {
        var limits = new UploadLimits { MaxFiles = 3, MaxFileBytes = 100, MaxZipUncompressedBytes = 150 };
        var problems = ZipPlan.Check([new("a.jpg", 80), new("../b.jpg", 10), new("c.jpg", 101), new("d.jpg", 1)], 0, limits);

        Assert.Contains(problems, p => p.Name == "../b.jpg");
        Assert.Contains(problems, p => p.Name == "c.jpg");
        Assert.Equal(2, problems.Count(p => p.Name == "*")); // too many entries, too many bytes in all
        Assert.Empty(ZipPlan.Check([new("x/a.jpg", 80)], 0, limits));
    }

    [Fact]
    public void Templates_fill_in_name_stem_index_and_metadata()
    {
        var text = JobPlanner.ApplyTemplate("{stem} ({name}) #{index} by {meta:author}{meta:none} {other}", "in/cat.jpg", 4,
            new Dictionary<string, string> { ["author"] = "Ann" });
        Assert.Equal("cat (cat.jpg) #5 by Ann {other}", text);
    }
}
