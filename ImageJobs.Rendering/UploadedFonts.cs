using System.Buffers.Binary;
using System.Globalization;
using ImageJobs.Contracts;
using SkiaSharp;

namespace ImageJobs.Rendering;

/// <summary>What a font file says about itself: its family (the name table's), weight (100-900) and whether it is italic or oblique.</summary>
public sealed record FontFaceInfo(string Family, int Weight, bool Italic, int Glyphs, string Extension);

/// <summary>
/// Fonts uploaded by users, loaded for one render (or one preview) from their bytes: faces grouped by
/// the family a template names them by, matched by weight and style as CSS does. Typefaces are
/// made per render from bytes a caller may cache, so none outlives the render that drew with it.
/// </summary>
public sealed class UploadedFonts : IDisposable
{
    /// <summary>Faces one family may have: nine weights, upright and italic.</summary>
    public const int MaxFacesPerFamily = 18;

    /// <summary>Longest family name accepted (in a template, in markup, or read from a font).</summary>
    public const int MaxFamilyLength = 100;

    private readonly Dictionary<string, List<SKTypeface>> _families = new(StringComparer.OrdinalIgnoreCase);

    private UploadedFonts()
    {
    }

    /// <summary>Every face loaded, for a shaper to forget once the render is done.</summary>
    public IEnumerable<SKTypeface> Faces => _families.Values.SelectMany(f => f);

    public bool Has(string family) => _families.ContainsKey(family);

    /// <summary>Loads each face under the family the job names it by.</summary>
    /// <exception cref="JobFailedException"><see cref="ErrorCodes.InvalidFont"/>: bytes that are not a font with glyphs.</exception>
    public static UploadedFonts Load(IEnumerable<(string Family, ReadOnlyMemory<byte> Data)> faces)
    {
        var fonts = new UploadedFonts();
        try
        {
            foreach (var (family, data) in faces)
            {
                if (Inspect(data.Span, out var problem) is null)
                {
                    throw new JobFailedException(ErrorCodes.InvalidFont, $"A face of the font family '{Shorten(family)}' cannot be used: {problem}.");
                }

                using var skData = SKData.CreateCopy(data.Span);
                var face = SKTypeface.FromData(skData)!;
                if (!fonts._families.TryGetValue(family, out var list))
                {
                    fonts._families[family] = list = [];
                }

                list.Add(face);
            }

            return fonts;
        }
        catch
        {
            fonts.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The face of <paramref name="family"/> nearest to the weight and style asked for, by CSS's font
    /// matching: the style first (italic, else upright), then the weight (for 400-500 the weights up
    /// to 500, then lighter, then heavier; lighter first below 400; heavier first above 500).
    /// </summary>
    public SKTypeface? Match(string family, int weight, bool italic)
    {
        if (!_families.TryGetValue(family, out var faces))
        {
            return null;
        }

        var styled = faces.Where(f => IsItalic(f) == italic).ToList();
        var candidates = styled.Count > 0 ? styled : faces;
        return candidates.OrderBy(f => WeightDistance(weight, f.FontStyle.Weight)).ThenBy(f => f.FontStyle.Weight).First();
    }

    /// <summary>Sort key of a face's weight for a wanted weight (CSS Fonts 4, 5.2): lower is better.</summary>
    internal static int WeightDistance(int wanted, int actual)
    {
        if (actual == wanted)
        {
            return 0;
        }

        // Three tiers, each ordered by distance: the preferred direction, then the other.
        if (wanted is >= 400 and <= 500)
        {
            return actual > wanted && actual <= 500 ? actual - wanted
                : actual < wanted ? 1_000 + (wanted - actual)
                : 2_000 + (actual - wanted);
        }

        return wanted < 400
            ? actual < wanted ? wanted - actual : 1_000 + (actual - wanted)
            : actual > wanted ? actual - wanted : 1_000 + (wanted - actual);
    }

    /// <summary>
    /// The font's family, weight and style, or null with why it is refused: not TrueType or
    /// OpenType (by its first bytes: a collection, WOFF or WOFF2 is refused), unreadable, no glyph
    /// for any character, or a family name that is empty, too long or holds a control character.
    /// </summary>
    public static FontFaceInfo? Inspect(ReadOnlySpan<byte> data, out string? problem)
    {
        problem = null;
        var extension = data.Length < 4 ? null : BinaryPrimitives.ReadUInt32BigEndian(data) switch
        {
            0x00010000 or 0x74727565 => "ttf", // version 1.0, 'true' (Apple)
            0x4F54544F => "otf", // 'OTTO': CFF outlines
            _ => null,
        };
        if (extension is null)
        {
            problem = data.Length >= 4 && data[..4].SequenceEqual("ttcf"u8) ? "a font collection (.ttc): upload its faces one by one as .ttf or .otf"
                : data.Length >= 4 && (data[..4].SequenceEqual("wOFF"u8) || data[..4].SequenceEqual("wOF2"u8)) ? "WOFF or WOFF2: convert it to .ttf or .otf"
                : "not a TrueType or OpenType font (.ttf, .otf)";
            return null;
        }

        using var skData = SKData.CreateCopy(data);
        using var face = SKTypeface.FromData(skData);
        if (face is null || face.GlyphCount <= 1)
        {
            problem = face is null ? "the font cannot be read" : "the font has no glyphs";
            return null;
        }

        if (!MapsAnyCharacter(face))
        {
            problem = "the font maps no character to a glyph";
            return null;
        }

        var family = face.FamilyName?.Trim() ?? "";
        if (FamilyProblem(family) is { } familyProblem)
        {
            problem = $"its family name {familyProblem}";
            return null;
        }

        if (FontLibrary.IsBundled(family))
        {
            problem = $"its family name '{family}' is a bundled family's";
            return null;
        }

        return new FontFaceInfo(family, Math.Clamp(face.FontStyle.Weight, 1, 1_000), IsItalic(face), face.GlyphCount, extension);
    }

    /// <summary>Why a family name is not acceptable (empty, longer than <see cref="MaxFamilyLength"/>, a control character or a bracket), or null.</summary>
    public static string? FamilyProblem(string? family) =>
        string.IsNullOrWhiteSpace(family) ? "is empty"
        : family.Length > MaxFamilyLength ? string.Create(CultureInfo.InvariantCulture, $"is longer than {MaxFamilyLength} characters")
        : family.Any(c => char.IsControl(c) || c is '[' or ']') ? "holds a control character or a bracket"
        : null;

    private static bool IsItalic(SKTypeface face) => face.FontStyle.Slant != SKFontStyleSlant.Upright;

    /// <summary>Whether the cmap maps any character of a sample of every script, symbols and the private use area (where symbol fonts put theirs).</summary>
#pragma warning disable CS0618 // the typeface's cmap lookup is what FontLibrary uses too
    private static bool MapsAnyCharacter(SKTypeface face) =>
        ProbeRanges.Any(range => Enumerable.Range(range.Start, range.Count).Any(face.ContainsGlyph));
#pragma warning restore CS0618

    private static readonly (int Start, int Count)[] ProbeRanges =
    [
        (0x0021, 0x5E), (0x00C0, 0x180), (0x0370, 0x90), (0x0400, 0x100), (0x0590, 0x170), (0x0900, 0x80),
        (0x0E00, 0x80), (0x2000, 0x700), (0x3040, 0xC0), (0x4E00, 0x100), (0xAC00, 0x100), (0xE000, 0x100), (0xF000, 0x100), (0x1F300, 0x100),
    ];

    private static string Shorten(string family) => family.Length > 40 ? family[..40] + "..." : family;

    public void Dispose()
    {
        foreach (var face in Faces)
        {
            face.Dispose();
        }

        _families.Clear();
    }
}
