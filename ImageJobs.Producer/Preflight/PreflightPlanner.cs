using ImageJobs.Contracts;
using ImageJobs.Producer.Batches;
using ImageJobs.Producer.Templates;
using ImageJobs.Rendering;
using ImageJobs.Rendering.Templates;

namespace ImageJobs.Producer.Preflight;

/// <summary>An image's upright size as its header gives it, or why it cannot be had (a failure code the worker would end the job with).</summary>
public sealed record SourceSize(int Width, int Height, string? FailureCode = null, string? Failure = null)
{
    public static SourceSize Failed(string code, string message) => new(0, 0, code, message);
}

/// <summary>
/// The pre-flight report of a batch's rows (pure: the image sizes are handed in): every row's
/// template filled as a submission fills it, and each text layer laid out by the engine without
/// drawing (<see cref="ImageRenderer.Measure"/>). Rows are laid out in parallel, each thread with
/// the renderer's own workspace; the report lists problem rows in row order.
/// </summary>
public static class PreflightPlanner
{
    public const int MaxPage = 1_000;

    private sealed record RowResult(IReadOnlyList<TextLayerFit> Fits, List<string>? Problems, bool Listed, bool WouldFail);

    /// <param name="plan">The layered template, or null for a caption batch (each row a template of one text layer, its style over the batch's).</param>
    /// <param name="lines">The manifest line of each item, or null for a JSON submission.</param>
    /// <param name="fonts">The uploaded faces the template names, loaded as a worker loads them (null: none, or none could be had).</param>
    public static PreflightReport Run(ImageRenderer renderer, TemplatePlan? plan, SubmitBatchRequest request, IReadOnlyList<BatchItem> items,
        IReadOnlyList<int>? lines, IReadOnlyDictionary<string, SourceSize> sizes, int offset, int limit, UploadedFonts? fonts = null)
    {
        var results = new RowResult[items.Count];
        Parallel.For(0, items.Count, () => new List<string>(), (i, _, problems) =>
        {
            problems.Clear();
            results[i] = Lay(renderer, plan, request.Style, items[i], i, sizes, problems, fonts);
            return problems;
        }, _ =>
        {
            // On the thread that measured: its shapers must not keep faces the caller disposes.
            if (fonts is not null)
            {
                renderer.ForgetOnThisThread(fonts);
            }
        });

        var layerNames = new List<string>();
        var counts = new Dictionary<string, (int Fits, int Shrinks, int Ellipsis, int Fails, int Missing, float? Smallest)>(StringComparer.Ordinal);
        var rows = new List<PreflightRow>();
        int listed = 0, failing = 0;
        for (var i = 0; i < results.Length; i++)
        {
            var result = results[i];
            foreach (var fit in result.Fits)
            {
                if (!counts.TryGetValue(fit.Name, out var c))
                {
                    layerNames.Add(fit.Name);
                }

                counts[fit.Name] = (c.Fits + (fit.Outcome == FitOutcome.Fits ? 1 : 0), c.Shrinks + (fit.Outcome == FitOutcome.Shrinks ? 1 : 0),
                    c.Ellipsis + (fit.Outcome == FitOutcome.Ellipsis ? 1 : 0), c.Fails + (fit.Outcome == FitOutcome.Fails ? 1 : 0),
                    c.Missing + (fit.MissingGlyphs.Count > 0 ? 1 : 0), c.Smallest is { } s && s <= fit.Size ? s : fit.Size);
            }

            failing += result.WouldFail ? 1 : 0;
            if (!result.Listed)
            {
                continue;
            }

            if (listed >= offset && rows.Count < limit)
            {
                var size = sizes.GetValueOrDefault(items[i].Source!);
                rows.Add(new PreflightRow(i, lines?[i], items[i].Source!, size is { FailureCode: null } ? size.Width : null, size is { FailureCode: null } ? size.Height : null,
                    result.WouldFail, result.Problems ?? [], [.. result.Fits.Select(PreflightLayer.Of)], items[i].Values));
            }

            listed++;
        }

        var layers = layerNames.Select(n => counts[n]).Zip(layerNames, (c, n) => new LayerSummary(n, c.Fits, c.Shrinks, c.Ellipsis, c.Fails, c.Missing, c.Smallest)).ToList();
        var next = offset + rows.Count < listed && rows.Count > 0 ? offset + rows.Count : (int?)null;
        return new PreflightReport(items.Count, plan?.Name, plan?.Version, new PreflightSummary(items.Count, listed, failing, layers), rows, offset, next);
    }

    private static RowResult Lay(ImageRenderer renderer, TemplatePlan? plan, TextStyle? batchStyle, BatchItem item, int index,
        IReadOnlyDictionary<string, SourceSize> sizes, List<string> problems, UploadedFonts? fonts)
    {
        if (!sizes.TryGetValue(item.Source!, out var size) || size.FailureCode is not null)
        {
            return new RowResult([], [size is null ? "the image's size is not known" : $"{size.FailureCode}: {size.Failure}"], true, true);
        }

        Template? template;
        if (plan is null)
        {
            var style = item.Style is null ? batchStyle : batchStyle is null ? item.Style : item.Style.Over(batchStyle);
            template = Template.SingleCaption(item.Text ?? "", style);
        }
        else if ((template = plan.Resolve(new TemplateRow(item.Source!, index, item.Values), problems)) is null)
        {
            return new RowResult([], [.. problems], true, true);
        }

        var fits = renderer.Measure(template, size.Width, size.Height, fonts);
        var fails = false;
        var listed = false;
        foreach (var fit in fits)
        {
            fails |= fit.Outcome == FitOutcome.Fails || fit.MissingGlyphs.Count > 0;
            listed |= fit.Outcome != FitOutcome.Fits || fit.MissingGlyphs.Count > 0;
        }

        List<string>? rowProblems = null;
        foreach (var fit in fits.Where(f => f.MissingGlyphs.Count > 0))
        {
            (rowProblems ??= []).Add($"{ErrorCodes.MissingGlyph}: layer '{fit.Name}' has no glyph for {string.Join(", ", fit.MissingGlyphs.Take(10).Select(Rendering.Text.CaptionComposer.Describe))}");
        }

        return new RowResult(fits, rowProblems, listed, fails);
    }
}
