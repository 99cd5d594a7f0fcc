using System.Globalization;
using System.Text.Json.Serialization;
using ImageJobs.Rendering.Text;

namespace ImageJobs.Rendering.Templates;

/// <summary>How a text layer's text sits in its box on one image (a name in JSON).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FitOutcome>))]
public enum FitOutcome
{
    /// <summary>At the style's preferred size (<c>fontSizeRatio</c>).</summary>
    Fits,

    /// <summary>Auto-fit made it smaller, down to at most the minimum size.</summary>
    Shrinks,

    /// <summary>It does not fit even at the minimum size: what fits is drawn, ending in an ellipsis.</summary>
    Ellipsis,

    /// <summary>The job would fail: it does not fit and the overflow policy is Fail, or its markup is bad.</summary>
    Fails,
}

/// <summary>
/// One text layer laid out on one image, without drawing: the outcome, the preferred and the chosen
/// size (pixels), the lines, whether a word had to be cut, and the grapheme clusters no available font
/// draws (a job with any fails as <c>text.missing_glyph</c>).
/// </summary>
public sealed record TextLayerFit(int Layer, string Name, FitOutcome Outcome, float PreferredSize, float Size, int Lines, bool CutWords,
    IReadOnlyList<string> MissingGlyphs, string? Problem = null)
{
    /// <summary>A fit within this many pixels of the preferred size is at it (auto-fit searches to a quarter pixel).</summary>
    private const float SizeTolerance = 0.3f;

    public static TextLayerFit Of(int layer, string name, CaptionMeasure measure)
    {
        var fit = measure.Fit;
        var outcome = fit.Overflowed ? FitOutcome.Fails
            : fit.Lines.Any(l => l.Ellipsis) ? FitOutcome.Ellipsis
            : fit.Size < measure.PreferredSize - SizeTolerance ? FitOutcome.Shrinks
            : FitOutcome.Fits;
        var problem = outcome == FitOutcome.Fails
            ? string.Create(CultureInfo.InvariantCulture, $"does not fit its box even at the smallest size ({fit.Size:0.#} px) and its overflow is Fail")
            : null;
        return new TextLayerFit(layer, name, outcome, measure.PreferredSize, fit.Size, fit.Lines.Count, fit.CutWords, measure.Missing, problem);
    }
}
