using ImageJobs.Producer.Batches;
using ImageJobs.Rendering;

namespace ImageJobs.Tests.Unit;

[Trait("Category", "Unit")]
public class JobPlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 8, 30, 15, TimeSpan.Zero);

    [Fact]
    public void Batch_ids_sort_by_time_and_are_unique()
    {
        var first = JobPlanner.NewBatchId(Now);
        var second = JobPlanner.NewBatchId(Now);

        Assert.StartsWith("20261127-083015-", first, StringComparison.Ordinal);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Result_names_keep_the_file_name_under_the_batch_and_index()
    {
        Assert.Equal("b1/000042-cat.jpg", JobPlanner.ResultBlob("b1", 42, "photos/2026/cat.jpg"));
        Assert.Equal("b1/000000-dog.png", JobPlanner.ResultBlob("b1", 0, "dog.png"));
        Assert.Equal("b1-000042", JobPlanner.JobId("b1", 42));
    }

    [Fact]
    public void A_result_is_named_for_its_format()
    {
        Assert.Equal("b1/000001-anim.png", ImageFormat.Png.NameFor("b1/000001-anim.gif"));
        Assert.Equal("b1/000002-scan.png", ImageFormat.Png.NameFor("b1/000002-scan.BMP"));
        Assert.Equal("b1/000003-cat.jpeg", ImageFormat.Jpeg.NameFor("b1/000003-cat.jpeg"));
        Assert.Equal("b1/000004-cat.JPG", ImageFormat.Jpeg.NameFor("b1/000004-cat.JPG"));
        Assert.Equal("b1/000005-cat.webp", ImageFormat.Webp.NameFor("b1/000005-cat.jpg"));
        Assert.Equal("b1/000006-noext.png", ImageFormat.Png.NameFor("b1/000006-noext"));
        Assert.Equal("b1/000007-v1.2.png", ImageFormat.Png.NameFor("b1/000007-v1.2.gif"));
    }

    [Fact]
    public void The_same_source_twice_gets_two_results()
    {
        var jobs = JobPlanner.Plan("b", [new BatchItem("cert.png", "Ann"), new BatchItem("cert.png", "Bob")], null, Now);

        Assert.Equal(2, jobs.Select(j => j.ResultBlob).Distinct().Count());
        Assert.Equal(["Ann", "Bob"], jobs.Select(j => j.Text));
    }

    [Theory]
    [InlineData("{name}", "a/b/sunset.jpg", 0, "sunset.jpg")]
    [InlineData("{stem} #{index}", "a/b/sunset.jpg", 4, "sunset #5")]
    [InlineData("no placeholders {x}", "s.jpg", 0, "no placeholders {x}")]
    [InlineData("{stem}", ".hidden", 0, ".hidden")]
    public void Templates_fill_placeholders(string template, string source, int index, string expected) =>
        Assert.Equal(expected, JobPlanner.ApplyTemplate(template, source, index));

    [Fact]
    public void Item_style_overrides_the_batch_style_property_by_property()
    {
        var batch = new TextStyle { Color = "#FFFFFF", OutlineColor = "#000000" };
        var jobs = JobPlanner.Plan("b", [new BatchItem("a.jpg", "x", new TextStyle { Color = "#FF0000" }), new BatchItem("b.jpg", "y")], batch, Now);

        Assert.Equal("#FF0000", jobs[0].Style!.Color);
        Assert.Equal("#000000", jobs[0].Style!.OutlineColor);
        Assert.Equal(batch.ToContract(), jobs[1].Style);
    }

    [Fact]
    public void The_same_idempotency_key_names_the_same_batch()
    {
        Assert.Equal(JobPlanner.BatchIdForKey("import-2026-11"), JobPlanner.BatchIdForKey("import-2026-11"));
        Assert.NotEqual(JobPlanner.BatchIdForKey("import-2026-11"), JobPlanner.BatchIdForKey("import-2026-12"));
        Assert.Matches("^key-[0-9a-f]{24}$", JobPlanner.BatchIdForKey("anything"));
    }

    [Theory]
    [InlineData("k", true)]
    [InlineData("", false)]
    [InlineData("tab\there", false)]
    [InlineData("ünïcode", false)]
    public void Idempotency_keys_are_short_printable_ascii(string key, bool valid) =>
        Assert.Equal(valid, JobPlanner.IsValidIdempotencyKey(key));

    [Fact]
    public void Request_hashes_tell_different_requests_apart()
    {
        var a = new SubmitBatchRequest { Prefix = "in/", Template = "{stem}" };

        Assert.Equal(JobPlanner.RequestHash(a), JobPlanner.RequestHash(a with { }));
        Assert.NotEqual(JobPlanner.RequestHash(a), JobPlanner.RequestHash(a with { Template = "{name}" }));
    }
}
