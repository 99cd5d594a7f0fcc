using System.IO.Compression;
using ImageJobs.Contracts;
using ImageJobs.Producer.Batches;
using ImageJobs.Producer.Problems;
using ImageJobs.Producer.Sources;
using ImageJobs.Storage;
using ImageJobs.Tests.Support;
using ImageJobs.Worker.Processing;

namespace ImageJobs.Tests.Unit;

/// <summary>The pure checks of what comes from outside: blob names, job locations, zip directories, templates, manifest cells.</summary>
[Trait("Category", "Unit")]
public class UntrustedInputCheckTests
{
    [Theory]
    [InlineData("photos/a.jpg")]
    [InlineData("a.jpg")]
    [InlineData("deep/er/..name.jpg")]
    [InlineData("ünïcode/名前.png")]
    public void Plain_relative_names_are_blob_names(string name) => Assert.Null(BlobNames.Problem(name));

    [Theory]
    [InlineData("../results/b/000000-a.jpg")]
    [InlineData("photos/../../batches/b/definition.json")]
    [InlineData("./a.jpg")]
    [InlineData("a/./b.jpg")]
    [InlineData("a/..")]
    [InlineData("/abs.jpg")]
    [InlineData("a//b.jpg")]
    [InlineData("dir/")]
    [InlineData("a\\..\\b.jpg")]
    [InlineData("tab\there.jpg")]
    [InlineData("nul\0.jpg")]
    [InlineData("c1\u0085.jpg")]
    [InlineData("")]
    [InlineData(" ")]
    public void Names_that_climb_out_or_hide_something_are_refused(string name) => Assert.NotNull(BlobNames.Problem(name));

    [Fact]
    public void Names_longer_than_azure_takes_are_refused()
    {
        Assert.Null(BlobNames.Problem(new string('a', BlobNames.MaxLength)));
        Assert.Contains("longer", BlobNames.Problem(new string('a', BlobNames.MaxLength + 1)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("photos/", true)]
    [InlineData("photos/2024-", true)]
    [InlineData("../", false)]
    [InlineData("/", false)]
    [InlineData("a/../", false)]
    public void Prefixes_are_plain_relative_segments(string prefix, bool valid) => Assert.Equal(valid, BlobNames.PrefixProblem(prefix) is null);

    [Theory]
    [InlineData("b1", "b1/000001-a.jpg", "a.jpg", null)]
    [InlineData("b1", "b2/000001-a.jpg", "a.jpg", ErrorCodes.InvalidResultName)]
    [InlineData("b1", "b1/../../batches-x/b1/definition.json", "a.jpg", ErrorCodes.InvalidResultName)]
    [InlineData("b1", "b1", "a.jpg", ErrorCodes.InvalidResultName)]
    [InlineData("..", "../x.jpg", "a.jpg", ErrorCodes.InvalidResultName)]
    [InlineData("b1/sub", "b1/sub/x.jpg", "a.jpg", ErrorCodes.InvalidResultName)]
    [InlineData("b1", "b1/000001-a.jpg", "../results/b0/000000-a.jpg", ErrorCodes.InvalidSourceName)]
    public void A_worker_takes_a_job_only_for_its_own_batch_folder_and_a_plain_source(string batchId, string result, string source, string? code)
    {
        var job = new RenderJob(RenderJob.CaptionSchemaVersion, "j", batchId, 1, source, "t", result, null, DateTimeOffset.UnixEpoch);
        var refused = Record.Exception(() => JobProcessor.CheckLocations(job));
        if (code is null)
        {
            Assert.Null(refused);
        }
        else
        {
            var failure = Assert.IsType<JobFailedException>(refused);
            Assert.Equal(code, failure.Code);
            Assert.True(ErrorCodes.Find(code)!.Permanent);
        }
    }

    [Fact]
    public void A_zip_directory_is_counted_without_listing_it_and_stops_at_the_limit()
    {
        using var few = ZipOf(5);
        Assert.Null(ZipDirectory.Check(few, maxEntries: 5, maxDirectoryBytes: 1 << 20));
        Assert.Contains("more than 4 entries", ZipDirectory.Check(few, maxEntries: 4, maxDirectoryBytes: 1 << 20), StringComparison.Ordinal);
        Assert.Contains("directory of more than", ZipDirectory.Check(few, maxEntries: 5, maxDirectoryBytes: 100), StringComparison.Ordinal);

        // An end record that claims no entries does not hide the records before it.
        using var lying = TestZips.DirectoryRecords(10, claimedEntries: 0);
        Assert.Contains("more than 3 entries", ZipDirectory.Check(lying, maxEntries: 3, maxDirectoryBytes: 1 << 20), StringComparison.Ordinal);

        // Zip64 (more than 65,535 entries): the zip64 end record is followed.
        using var many = ZipOf(70_000);
        Assert.Null(ZipDirectory.Check(many, maxEntries: 70_000, maxDirectoryBytes: 1 << 30));
        Assert.NotNull(ZipDirectory.Check(many, maxEntries: 69_999, maxDirectoryBytes: 1 << 30));
    }

    [Fact]
    public void A_template_is_checked_after_expansion_and_stops_expanding_at_the_limit()
    {
        var longName = "in/" + new string('n', 200) + ".jpg";
        var template = string.Concat(Enumerable.Repeat("{name}{meta:k}", 100));
        var metadata = new Dictionary<string, string> { ["k"] = new string('m', 8000) };

        Assert.Null(JobPlanner.ApplyTemplate(template, longName, 0, metadata, maxLength: 2000));
        Assert.Equal("cat.jpg #1", JobPlanner.ApplyTemplate("{name} #{index}", "in/cat.jpg", 0, null, maxLength: 10));
        Assert.Null(JobPlanner.ApplyTemplate("{name} #{index}", "in/cat.jpg", 0, null, maxLength: 9));
        // One pass: a value holding a placeholder is text, not another placeholder.
        Assert.Equal("{stem}.jpg", JobPlanner.ApplyTemplate("{name}", "in/{stem}.jpg", 0));
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("1e999")]
    [InlineData("-Infinity")]
    [InlineData("huge")]
    public void A_bad_numeric_cell_is_named_by_line_and_column(string cell)
    {
        var limits = new BatchLimits();
        var parse = ManifestParser.Parse($"image,text,fontSizeRatio\na.jpg,A,0.1\nb.jpg,B,{cell}\n", ManifestFormat.Csv, limits);

        var errors = ManifestParser.Validate(parse, null, limits);

        var line = Assert.Single(errors);
        Assert.Equal("line 3", line.Key);
        Assert.StartsWith("column 3 (fontSizeRatio): ", Assert.Single(line.Value), StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_cells_of_other_kinds_are_named_by_column_too()
    {
        var limits = new BatchLimits();
        var parse = ManifestParser.Parse("text,image,shadow.color,style\nA,../x.jpg,,\nB,b.jpg,red,\nC,c.jpg,,\"{\"\"color\"\":1}\"\n", ManifestFormat.Csv, limits);

        var errors = ManifestParser.Validate(parse, null, limits);

        Assert.StartsWith("column 2 (image): ", Assert.Single(errors["line 2"]), StringComparison.Ordinal);
        Assert.StartsWith("column 3 (shadow.color): ", Assert.Single(errors["line 3"]), StringComparison.Ordinal);
        Assert.StartsWith("column 4 (style): ", Assert.Single(errors["line 4"]), StringComparison.Ordinal);
    }

    [Fact]
    public void A_json_lines_row_naming_a_field_twice_is_a_bad_row()
    {
        var limits = new BatchLimits();
        var parse = ManifestParser.Parse("{\"image\":\"a.jpg\",\"text\":\"A\",\"style\":{\"color\":\"#FFFFFF\",\"color\":\"#000000\"}}\n", ManifestFormat.JsonLines, limits);

        Assert.Contains("line 1", ManifestParser.Validate(parse, null, limits).Keys);
    }

    [Theory]
    [InlineData("$.items[2].style.color", "items[2].style.color")]
    [InlineData("$", "body")]
    [InlineData(null, "body")]
    [InlineData("$['odd key']", "['odd key']")]
    public void Json_paths_become_request_field_names(string? path, string field) => Assert.Equal(field, BadRequestHandler.JsonField(path));

    /// <summary>A real zip (ZipArchive's own, zip64 past 65,535 entries) of empty entries.</summary>
    private static MemoryStream ZipOf(int entries)
    {
        var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            for (var i = 0; i < entries; i++)
            {
                zip.CreateEntry($"e{i}.jpg", CompressionLevel.NoCompression);
            }
        }

        stream.Position = 0;
        return stream;
    }
}
