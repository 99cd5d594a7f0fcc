using ImageJobs.Contracts.Templates;
using ImageJobs.Producer.Batches;
using ImageJobs.Producer.Templates;

namespace ImageJobs.Tests.Unit;

/// <summary>A prefix batch's rows for a template: placeholders mapped to each source's own fields, checked with the request and against the template (pure).</summary>
[Trait("Category", "Unit")]
public class PrefixMappingTests
{
    private static readonly BatchLimits Limits = new();

    private static readonly TemplatePlan Plan = TemplatePlan.TryCompile(new TemplateDefinition
    {
        Layers = [new JobLayer("text", "name", Text: "{graduate} ({meta:year})"), new JobLayer("qr", "code", Value: "https://example.org/v/{id}")],
    }, 2_000, out _)!;

    [Fact]
    public void Mapped_placeholders_take_the_sources_name_stem_index_or_metadata_and_the_metadata_is_kept()
    {
        var mapping = PrefixMapping.For(Plan, new Dictionary<string, string> { ["graduate"] = "stem", ["id"] = "meta:serial" });
        Assert.True(mapping.UsesMetadata);

        var values = mapping.Values("grads/ada-lovelace.png", 4, new Dictionary<string, string> { ["serial"] = "0042", ["year"] = "1843" })!;

        Assert.Equal(new Dictionary<string, string> { ["graduate"] = "ada-lovelace", ["id"] = "0042", ["meta:serial"] = "0042", ["meta:year"] = "1843" }, values);
        var problems = new List<string>();
        var row = Plan.Resolve(new TemplateRow("grads/ada-lovelace.png", 4, values), problems);
        Assert.Empty(problems);
        Assert.Equal("ada-lovelace (1843)", ((ImageJobs.Rendering.Templates.TextLayer)row!.Layers[0]).Text);
        Assert.Equal("5", PrefixMapping.For(Plan, new Dictionary<string, string> { ["id"] = "index" }).Values("a.png", 4, null)!["id"]);
        // Without a mapping, a placeholder that is not the source's own is a missing column, row by row.
        Assert.Null(Plan.Resolve(new TemplateRow("a.png", 0, PrefixMapping.For(Plan, null).Values("a.png", 0, new Dictionary<string, string>())), problems));
        Assert.Contains(problems, p => p.Contains("column \"graduate\" is missing", StringComparison.Ordinal));
    }

    [Fact]
    public void A_mapping_of_a_placeholder_the_template_lacks_is_refused_by_its_path()
    {
        var ex = Assert.Throws<BatchRejectedException>(() => PrefixMapping.For(Plan, new Dictionary<string, string> { ["price"] = "stem" }));

        Assert.Equal(["mapping.price"], ex.Errors.Keys);
    }

    [Theory]
    [InlineData("column", "mapping.graduate")]
    [InlineData("meta:", "mapping.graduate")]
    public void A_mapping_to_anything_but_a_sources_own_field_is_refused_with_the_request(string field, string path)
    {
        var errors = BatchRequestValidator.Validate(new SubmitBatchRequest
        {
            Prefix = "grads/",
            TemplateName = "certificate",
            Mapping = new Dictionary<string, string> { ["graduate"] = field },
        }, Limits);

        Assert.Equal([path], errors.Keys);
    }

    [Fact]
    public void A_mapping_goes_with_a_prefix_and_a_layered_template_only()
    {
        var mapping = new Dictionary<string, string> { ["graduate"] = "stem" };

        Assert.Contains("mapping", BatchRequestValidator.Validate(new SubmitBatchRequest { Prefix = "in/", Template = "{stem}", Mapping = mapping }, Limits).Keys);
        Assert.Contains("mapping", BatchRequestValidator.Validate(new SubmitBatchRequest
        {
            TemplateName = "certificate",
            Items = [new BatchItem("a.png", null, null, new Dictionary<string, string>())],
            Mapping = mapping,
        }, Limits).Keys);
        Assert.Empty(BatchRequestValidator.Validate(new SubmitBatchRequest { Prefix = "in/", TemplateName = "certificate", Mapping = mapping }, Limits));
    }
}
