using System.Text;
using ImageJobs.Contracts;
using ImageJobs.Contracts.Styles;
using ImageJobs.Contracts.Templates;
using ImageJobs.Producer.Batches;
using ImageJobs.Producer.Templates;
using ImageJobs.Rendering.Templates;

namespace ImageJobs.Tests.Unit;

/// <summary>
/// A resize travels in the batch's template, and only jobs of schema version 4 carry it: a worker
/// that reads only up to 3 refuses them (instead of drawing them full size), and no other version may hold one.
/// </summary>
[Trait("Category", "Unit")]
public class ResizeContractTests
{
    private static readonly TemplateDefinition Tag = new()
    {
        Layers = [new JobLayer("text", "name", Text: "{name}"), new JobLayer("barcode", "ean", Value: "{ean}", Symbology: "Ean13")],
        Output = new JobOutput("Jpeg", 85, Resize: new JobResize(800, 600)),
    };

    [Fact]
    public void A_plan_that_resizes_writes_version_4_and_one_that_does_not_version_3()
    {
        var resizing = TemplatePlan.TryCompile(Tag, 2_000, out var errors)!;
        var plain = TemplatePlan.TryCompile(Tag with { Output = new JobOutput("Jpeg", 85) }, 2_000, out _)!;

        Assert.Empty(errors);
        Assert.Equal((RenderJob.ResizeSchemaVersion, new JobResize(800, 600)), (resizing.SchemaVersion, resizing.Contract.Output!.Resize));
        Assert.Equal((RenderJob.BatchTemplateSchemaVersion, null), (plain.SchemaVersion, plain.Contract.Output!.Resize));
    }

    [Fact]
    public void A_batchs_resize_wins_over_the_templates_and_its_problems_are_its_own()
    {
        var plan = TemplatePlan.TryCompile(Tag with { Output = null }, 2_000, out _, resize: new JobResize(Height: 300))!;
        Assert.Equal(new JobResize(Height: 300), plan.Contract.Output!.Resize);

        Assert.Null(TemplatePlan.TryCompile(Tag, 2_000, out var batchErrors, resize: new JobResize(0)));
        Assert.Equal(["resize.width"], batchErrors.Keys);

        Assert.Null(TemplatePlan.TryCompile(Tag with { Output = new JobOutput(Resize: new JobResize(Width: 5, Height: 0)) }, 2_000, out var templateErrors));
        Assert.Equal(["output.resize.height"], templateErrors.Keys);
    }

    [Fact]
    public void A_caption_batch_is_refused_a_resize_by_path()
    {
        var limits = new BatchLimits();
        var caption = new SubmitBatchRequest
        {
            Items = [new BatchItem("a.jpg", "Hi", new ImageJobs.Rendering.TextStyle { Output = new ImageJobs.Rendering.OutputStyle { Resize = new ImageJobs.Rendering.ResizeStyle { Width = 10 } } })],
            Resize = new JobResize(100),
        };

        var errors = BatchRequestValidator.Validate(caption, limits);

        Assert.Contains("resize", errors.Keys);
        Assert.Contains("items[0].style.output.resize", errors.Keys);
    }

    [Fact]
    public void A_version_4_job_is_read_as_version_3_is()
    {
        var job = JobMessageReader.Read(Encoding.UTF8.GetBytes(
            """{"schemaVersion":4,"jobId":"b-000001","batchId":"b","index":1,"sourceBlob":"a.jpg","resultBlob":"b/000001-a.jpg","createdAt":"2026-12-01T12:00:00+00:00","fills":[{"layer":0,"value":"Ada"}]}"""));

        Assert.Equal((4, "Ada"), (job.SchemaVersion, job.Fills!.Single().Value));
        JobMessageReader.CheckResize(job, Tag.Layers is { } layers ? new JobTemplate(layers, Tag.Output) : null);
    }

    [Theory]
    [InlineData("""{"schemaVersion":1,"jobId":"b-000001","batchId":"b","index":1,"sourceBlob":"a.jpg","text":"x","resultBlob":"b/1.jpg","createdAt":"2026-12-01T12:00:00+00:00","style":{"output":{"resize":{"width":10}}}}""")]
    [InlineData("""{"schemaVersion":2,"jobId":"b-000001","batchId":"b","index":1,"sourceBlob":"a.jpg","resultBlob":"b/1.jpg","createdAt":"2026-12-01T12:00:00+00:00","template":{"layers":[{"kind":"shape","name":"s"}],"output":{"resize":{"height":10}}}}""")]
    public void A_job_of_another_version_that_resizes_is_malformed(string body)
    {
        var ex = Assert.Throws<JobFailedException>(() => JobMessageReader.Read(Encoding.UTF8.GetBytes(body)));

        Assert.Equal(ErrorCodes.MalformedMessage, ex.Code);
        Assert.Contains("output.resize", ex.Message);
    }

    [Fact]
    public void A_version_3_job_whose_batch_template_resizes_is_malformed()
    {
        var job = new RenderJob(RenderJob.BatchTemplateSchemaVersion, "b-000001", "b", 1, "a.jpg", null, "b/1.jpg", null, DateTimeOffset.UnixEpoch) { Fills = [] };
        var template = TemplatePlan.TryCompile(Tag, 2_000, out _)!.Contract;

        var ex = Assert.Throws<JobFailedException>(() => JobMessageReader.CheckResize(job, template));

        Assert.Equal(ErrorCodes.MalformedMessage, ex.Code);
        JobMessageReader.CheckResize(job with { SchemaVersion = RenderJob.ResizeSchemaVersion }, template);
    }

    [Fact]
    public void A_template_maps_its_resize_both_ways()
    {
        var template = new JobTemplate([new JobLayer("shape", "s")], new JobOutput(Resize: new JobResize(640, null))).ToTemplate();

        Assert.Equal((640, null), (template.Output!.Resize!.Width, template.Output.Resize.Height));
        Assert.Equal(new JobResize(640, null), template.ToContract().Output!.Resize);
    }
}
