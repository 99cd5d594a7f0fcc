using ImageJobs.Producer.Batches;
using ImageJobs.Rendering;

namespace ImageJobs.Tests.Unit;

[Trait("Category", "Unit")]
public class BatchRequestValidatorTests
{
    private static readonly BatchLimits Limits = new() { MaxJobsPerBatch = 3, MaxTextLength = 10 };

    [Fact]
    public void A_valid_item_list_passes() =>
        Assert.Empty(BatchRequestValidator.Validate(new SubmitBatchRequest { Items = [new BatchItem("a.jpg", "hi")] }, Limits));

    [Fact]
    public void A_valid_prefix_and_template_pass() =>
        Assert.Empty(BatchRequestValidator.Validate(new SubmitBatchRequest { Prefix = "in/", Template = "{stem}" }, Limits));

    [Fact]
    public void A_caption_naming_a_family_that_is_not_bundled_is_refused_as_font_missing_by_path()
    {
        var errors = BatchRequestValidator.Validate(new SubmitBatchRequest
        {
            Items = [new BatchItem("a.jpg", "x", new TextStyle { FontFamily = "Papyrus" }), new BatchItem("b.jpg", "y", new TextStyle { FontFamily = "serif" })],
            Style = new TextStyle { FontFamily = "Lobster" },
        }, Limits);

        Assert.Equal(["items[0].style.fontFamily", "style.fontFamily"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.All(errors.Values, messages => Assert.StartsWith($"{Contracts.ErrorCodes.FontMissing}: the font family '", Assert.Single(messages), StringComparison.Ordinal));
        Assert.Contains("'Papyrus'", errors["items[0].style.fontFamily"][0], StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BadRequests))]
    public void Bad_requests_name_the_field(SubmitBatchRequest request, string field)
    {
        var errors = BatchRequestValidator.Validate(request, Limits);

        Assert.Contains(field, errors.Keys);
        Assert.All(errors.Values, messages => Assert.NotEmpty(messages));
    }

    public static TheoryData<SubmitBatchRequest, string> BadRequests() => new()
    {
        { new SubmitBatchRequest(), "items" },
        { new SubmitBatchRequest { Items = [new BatchItem("a.jpg", "x")], Prefix = "p/", Template = "t" }, "items" },
        { new SubmitBatchRequest { Items = [] }, "items" },
        { new SubmitBatchRequest { Items = [new("a", "1"), new("b", "2"), new("c", "3"), new("d", "4")] }, "items" },
        { new SubmitBatchRequest { Items = [new BatchItem("a.jpg", "ok"), new BatchItem(" ", "ok")] }, "items[1].source" },
        { new SubmitBatchRequest { Items = [new BatchItem("dir/", "ok")] }, "items[0].source" },
        { new SubmitBatchRequest { Items = [new BatchItem("a.jpg", null)] }, "items[0].text" },
        { new SubmitBatchRequest { Items = [new BatchItem("a.jpg", "far too long text")] }, "items[0].text" },
        { new SubmitBatchRequest { Items = [new BatchItem("a.jpg", "x", new TextStyle { Color = "red" })] }, "items[0].style.color" },
        { new SubmitBatchRequest { Prefix = "in/" }, "template" },
        { new SubmitBatchRequest { Prefix = "in/", Template = "t", Style = new TextStyle { OutlineColor = "#12" } }, "style.outlineColor" },
    };
}
