using ImageJobs.Contracts.Styles;
using ImageJobs.Contracts.Templates;
using ImageJobs.Producer.Batches;
using ImageJobs.Producer.Fonts;
using ImageJobs.Producer.Preflight;
using ImageJobs.Producer.Templates;
using ImageJobs.Rendering.Templates;

namespace ImageJobs.Tests.Rendering;

/// <summary>The pre-flight's layout of rows (pure, the real engine): texts measured in uploaded faces, and problem rows paged past the first page.</summary>
[Trait("Category", "Rendering")]
public sealed class PreflightPlannerTests(RendererFixture fixture) : IClassFixture<RendererFixture>
{
    private const string Long = "Augusta Ada King, Countess of Lovelace";
    private const string Narrow = "illicit lilliputian militia filling";

    private static readonly FontCatalogue Uploaded = new(
        [new FontFace(new string('a', 64) + ".ttf", UploadedFontTests.Mono, 400, "normal", 3000, 340_000, DateTimeOffset.UnixEpoch)]);

    private static readonly Dictionary<string, SourceSize> Sizes = new(StringComparer.Ordinal) { ["blank.png"] = new(1200, 600) };

    private static JobLayer Text(string name, string? family) => new("text", name, new JobTextBox("Percent", 10, 10, 80, 12), Text: "{name}",
        Style: new JobStyle(FontFamily: family, FontSizeRatio: 0.1, MinFontSizeRatio: 0.06));

    private static (TemplatePlan Plan, BatchItem[] Items) Batch(int rows, params JobLayer[] layers)
    {
        var plan = TemplatePlan.TryCompile(new TemplateDefinition { Layers = layers }, 2_000, out var errors, fonts: Uploaded)
            ?? throw new InvalidOperationException(string.Join("; ", errors));
        var items = Enumerable.Range(0, rows).Select(i => new BatchItem("blank.png", null, null, new Dictionary<string, string> { ["name"] = $"{Long} {i}" })).ToArray();
        return (plan, items);
    }

    [Fact]
    public void A_text_in_an_uploaded_family_is_measured_in_that_face_not_reported_as_a_missing_font()
    {
        var (plan, _) = Batch(0, Text("sans", null), Text("mono", UploadedFontTests.Mono));
        BatchItem[] items = [new("blank.png", null, null, new Dictionary<string, string> { ["name"] = Narrow })];
        var request = new SubmitBatchRequest { InlineTemplate = new TemplateDefinition(), Items = items };
        using var mono = UploadedFontTests.MonoFamily();

        var report = PreflightPlanner.Run(fixture.Renderer, plan, request, items, null, Sizes, 0, 10, mono);
        var without = PreflightPlanner.Run(fixture.Renderer, plan, request, items, null, Sizes, 0, 10);

        var layers = Assert.Single(report.Rows).Layers;
        // Narrow letters: the monospaced face sets them far wider than the bundled (proportional) sans, so they shrink further in it.
        Assert.True(layers is [{ Outcome: FitOutcome.Fits or FitOutcome.Shrinks } sans, { Outcome: FitOutcome.Shrinks } monospaced] && monospaced.Size < sans.Size * 0.9,
            string.Join("; ", layers.Select(l => $"{l.Layer} {l.Outcome} {l.Size} of {l.PreferredSize} {l.Problem}")));
        Assert.Equal(0, report.Summary.RowsThatWouldFail);
        // Without its faces (what the report did before), the layer fails as its job would.
        var missing = Assert.Single(without.Rows).Layers[1];
        Assert.Equal(FitOutcome.Fails, missing.Outcome);
        Assert.Contains(UploadedFontTests.Mono, missing.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Problem_rows_past_the_first_thousand_are_listed_page_by_page_in_row_order()
    {
        var (plan, items) = Batch(2_300, Text("sans", null));
        var request = new SubmitBatchRequest { InlineTemplate = new TemplateDefinition(), Items = items };
        var lines = Enumerable.Range(2, items.Length).ToArray();

        var pages = new List<PreflightReport>();
        int? offset = 0;
        while (offset is { } from)
        {
            pages.Add(PreflightPlanner.Run(fixture.Renderer, plan, request, items, lines, Sizes, from, PreflightPlanner.MaxPage));
            offset = pages[^1].NextOffset;
        }

        Assert.Equal([1_000, 1_000, 300], pages.Select(p => p.Rows.Count));
        Assert.Equal([0, 1_000, 2_000], pages.Select(p => p.Offset));
        Assert.All(pages, p => Assert.Equal(2_300, p.Summary.RowsWithProblems));
        Assert.Equal(Enumerable.Range(2, 2_300), pages.SelectMany(p => p.Rows).Select(r => r.Line!.Value));
    }
}
