using ImageJobs.Contracts.Templates;
using ImageJobs.Rendering;

namespace ImageJobs.Producer.Fonts;

/// <summary>An uploaded face as listed: its id (the blob's content name), what the font says it is, and its size.</summary>
public sealed record FontFace(string Id, string Family, int Weight, string Style, int Glyphs, long Bytes, DateTimeOffset? UploadedAt);

/// <summary>The uploaded faces by family (case aside, as CSS compares names): what a template may name, and what its jobs then carry. Pure.</summary>
public sealed class FontCatalogue
{
    private readonly Dictionary<string, JobFont[]> _families;

    public FontCatalogue(IEnumerable<FontFace> faces) =>
        _families = faces.GroupBy(f => f.Family, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.OrderBy(f => f.UploadedAt).ThenBy(f => f.Id, StringComparer.Ordinal).Select(f => new JobFont(g.Key, f.Id)).ToArray(),
                StringComparer.OrdinalIgnoreCase);

    public static FontCatalogue Empty { get; } = new([]);

    /// <summary>Whether any layer may name an uploaded family (a style's non-bundled family, or a <c>[font=</c> tag): only then is the store listed.</summary>
    public static bool MayBeNeeded(IReadOnlyList<JobLayer?>? layers) =>
        layers?.Any(l => (l?.Style?.FontFamily is { } family && !FontLibrary.IsBundled(family)) || (l?.Text?.Contains("[font=", StringComparison.Ordinal) ?? false)) ?? false;

    /// <summary>The uploaded families' names, sorted.</summary>
    public IEnumerable<string> Families => _families.Keys.Order(StringComparer.OrdinalIgnoreCase);

    /// <summary>Why a template may not name <paramref name="family"/>, or null: bundled, or uploaded.</summary>
    public string? Problem(string family) =>
        FontLibrary.IsBundled(family) || _families.ContainsKey(family)
            ? null
            : $"the font family '{(family.Length > 60 ? family[..60] + "..." : family)}' is neither bundled ({FontLibrary.SansFamily}, {FontLibrary.SerifFamily}) nor uploaded (/api/fonts)";

    /// <summary>Every uploaded face of the families named (bundled ones need none), each once, under the family as the template spells it.</summary>
    public IReadOnlyList<JobFont> FacesOf(IEnumerable<string> families) =>
        [.. families.Where(f => !FontLibrary.IsBundled(f)).Distinct(StringComparer.OrdinalIgnoreCase)
            .SelectMany(f => _families.TryGetValue(f, out var faces) ? faces.Select(face => face with { Family = f }) : [])];
}
