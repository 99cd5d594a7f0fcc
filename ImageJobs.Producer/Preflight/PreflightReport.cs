using ImageJobs.Rendering.Templates;

namespace ImageJobs.Producer.Preflight;

/// <summary>
/// What a batch would look like, by layout alone: counts over every row, and the rows with a
/// problem (a text that shrinks, is cut, would fail, or holds a character no font draws; a row that
/// cannot be filled or whose image cannot be read), <see cref="Offset"/> on, at most a page of them.
/// </summary>
public sealed record PreflightReport(
    int Total,
    string? TemplateName,
    int? TemplateVersion,
    PreflightSummary Summary,
    IReadOnlyList<PreflightRow> Rows,
    int Offset,
    int? NextOffset);

/// <param name="RowsWithProblems">Rows listed (over all pages): any text layer not at its preferred size, or a row that would fail.</param>
/// <param name="RowsThatWouldFail">Rows whose job would fail: a text that fails, a missing glyph, a row that cannot be filled, an image that cannot be read.</param>
public sealed record PreflightSummary(int Rows, int RowsWithProblems, int RowsThatWouldFail, IReadOnlyList<LayerSummary> Layers);

/// <summary>One text layer over every row: how often each outcome, how many rows lack a glyph, and the smallest size it was laid out at (pixels).</summary>
public sealed record LayerSummary(string Layer, int Fits, int Shrinks, int Ellipsis, int Fails, int MissingGlyphs, float? SmallestSize);

/// <summary>
/// A row with a problem: its index (0-based), its manifest line when it came from one, its source and
/// that image's size, each text layer's fit, and the row's values (so a page can preview it as it is).
/// </summary>
public sealed record PreflightRow(int Index, int? Line, string Source, int? Width, int? Height, bool WouldFail, IReadOnlyList<string> Problems,
    IReadOnlyList<PreflightLayer> Layers, IReadOnlyDictionary<string, string>? Values = null);

/// <summary>One text layer of a row: its outcome, the preferred and laid-out size (pixels), its lines, and the characters (grapheme clusters) no font draws.</summary>
public sealed record PreflightLayer(string Layer, FitOutcome Outcome, float PreferredSize, float Size, int Lines, bool CutWords,
    IReadOnlyList<string> MissingGlyphs, string? Problem)
{
    public static PreflightLayer Of(TextLayerFit fit) =>
        new(fit.Name, fit.Outcome, fit.PreferredSize, fit.Size, fit.Lines, fit.CutWords, fit.MissingGlyphs, fit.Problem);
}
