using System.Globalization;
using ImageJobs.Contracts;
using SkiaSharp;

namespace ImageJobs.Rendering;

/// <summary>
/// The faces one style draws with: its primary face, then fallbacks in order. An uploaded primary
/// (<paramref name="Uploaded"/>) is tried before the bundled script faces: whoever uploaded it chose it.
/// </summary>
public sealed record FontChain(SKTypeface Primary, IReadOnlyList<SKTypeface> Fallbacks, bool Bold, bool Uploaded = false);

/// <summary>
/// The fonts bundled with the worker (Fonts/ beside the binaries). Nothing comes from the
/// system: SkiaSharp's Linux "NoDependencies" build has no font manager, and output must
/// be the same on every host. Typefaces are immutable and shared between threads.
/// </summary>
public sealed class FontLibrary : IDisposable
{
    private readonly List<SKTypeface> _all = [];
    /// <summary>The bundled families a style names: every other family is an uploaded one.</summary>
    public const string SansFamily = "Sans", SerifFamily = "Serif";

    /// <summary>Weights from this up draw with a bold face (or emboldened): CSS's semi-bold.</summary>
    public const int BoldWeight = 600;

    private readonly Dictionary<(string, bool), FontChain> _chains = [];

    public FontLibrary(string? fontsDirectory = null)
    {
        var directory = fontsDirectory ?? Path.Combine(AppContext.BaseDirectory, "Fonts");
        SKTypeface Face(params string[] path) => Load(Path.Combine([directory, .. path]));

        Sans = Face("DejaVu", "DejaVuSans.ttf");
        SansBold = Face("DejaVu", "DejaVuSans-Bold.ttf");
        Serif = Face("DejaVu", "DejaVuSerif.ttf");
        SerifBold = Face("DejaVu", "DejaVuSerif-Bold.ttf");
        Arabic = Face("Noto", "NotoSansArabic-Regular.ttf");
        ArabicBold = Face("Noto", "NotoSansArabic-Bold.ttf");
        Hebrew = Face("Noto", "NotoSansHebrew-Regular.ttf");
        HebrewBold = Face("Noto", "NotoSansHebrew-Bold.ttf");
        Devanagari = Face("Noto", "NotoSansDevanagari-Regular.ttf");
        DevanagariBold = Face("Noto", "NotoSansDevanagari-Bold.ttf");
        Thai = Face("Noto", "NotoSansThai-Regular.ttf");
        ThaiBold = Face("Noto", "NotoSansThai-Bold.ttf");
        Cjk = Face("Droid", "DroidSansFallbackFull.ttf");
        Korean = Face("Nanum", "NanumGothic.ttf");
        KoreanBold = Face("Nanum", "NanumGothicBold.ttf");
        Emoji = Face("NotoEmoji", "NotoColorEmoji.ttf");

        foreach (var family in (ReadOnlySpan<string>)[SansFamily, SerifFamily])
        {
            foreach (var bold in (ReadOnlySpan<bool>)[false, true])
            {
                var primary = (family, bold) switch
                {
                    (SerifFamily, false) => Serif,
                    (SerifFamily, true) => SerifBold,
                    (_, false) => Sans,
                    _ => SansBold,
                };
                // Script faces first for their scripts (DejaVu has some Arabic and Hebrew, Noto's is better),
                // then the sans (a serif lacks some symbols), CJK and emoji last.
                SKTypeface[] fallbacks = bold
                    ? [ArabicBold, HebrewBold, DevanagariBold, ThaiBold, SansBold, Cjk, KoreanBold, Emoji]
                    : [Arabic, Hebrew, Devanagari, Thai, Sans, Cjk, Korean, Emoji];
                _chains[(family, bold)] = new FontChain(primary, fallbacks, bold);
            }
        }
    }

    public SKTypeface Sans { get; }

    public SKTypeface SansBold { get; }

    public SKTypeface Serif { get; }

    public SKTypeface SerifBold { get; }

    public SKTypeface Arabic { get; }

    public SKTypeface ArabicBold { get; }

    public SKTypeface Hebrew { get; }

    public SKTypeface HebrewBold { get; }

    public SKTypeface Devanagari { get; }

    public SKTypeface DevanagariBold { get; }

    public SKTypeface Thai { get; }

    public SKTypeface ThaiBold { get; }

    /// <summary>Chinese and Japanese (Droid Sans Fallback has almost no Hangul).</summary>
    public SKTypeface Cjk { get; }

    public SKTypeface Korean { get; }

    public SKTypeface KoreanBold { get; }

    public SKTypeface Emoji { get; }

    /// <summary>Whether <paramref name="family"/> names a bundled family (case aside, as CSS compares names).</summary>
    public static bool IsBundled(string family) =>
        family.Equals(SansFamily, StringComparison.OrdinalIgnoreCase) || family.Equals(SerifFamily, StringComparison.OrdinalIgnoreCase);

    /// <summary>A bundled family's chain, regular or bold.</summary>
    public FontChain Chain(string family, bool bold) =>
        _chains[(family.Equals(SerifFamily, StringComparison.OrdinalIgnoreCase) ? SerifFamily : SansFamily, bold)];

    /// <summary>
    /// The chain for a family at a weight and style: a bundled family's, or the uploaded face nearest
    /// to them (<see cref="UploadedFonts.Match"/>) with the bundled sans chain behind it for what it lacks.
    /// </summary>
    /// <exception cref="JobFailedException"><see cref="ErrorCodes.FontMissing"/>: neither bundled nor among <paramref name="uploaded"/>.</exception>
    public FontChain Chain(string family, int weight, bool italic, UploadedFonts? uploaded)
    {
        var bold = weight >= BoldWeight;
        if (IsBundled(family))
        {
            return Chain(family, bold);
        }

        var face = uploaded?.Match(family, weight, italic)
            ?? throw new JobFailedException(ErrorCodes.FontMissing,
                $"The font family '{JobStyleMapping.Truncate(family)}' is neither bundled ({SansFamily}, {SerifFamily}) nor among the uploaded fonts the job names.");
        var bundled = Chain(SansFamily, bold);
        return new FontChain(face, [bundled.Primary, .. bundled.Fallbacks], bold, Uploaded: true);
    }

    /// <summary>
    /// The face for one character: the script's own face for scripts we bundle one for, colour emoji
    /// for emoji, else the first face in the chain that has a glyph. <paramref name="previous"/> (the
    /// face of the character before) is kept for spaces and punctuation, so runs do not fragment.
    /// </summary>
    public SKTypeface FaceFor(FontChain chain, int codepoint, SKTypeface? previous, bool emojiPresentation = false)
    {
        if (emojiPresentation || IsEmoji(codepoint))
        {
            if (Has(Emoji, codepoint))
            {
                return Emoji;
            }
        }

        if (chain.Uploaded && Has(chain.Primary, codepoint))
        {
            return chain.Primary;
        }

        var scriptFace = ScriptFace(codepoint, chain.Bold);
        if (scriptFace is not null && Has(scriptFace, codepoint))
        {
            return scriptFace;
        }

        if (previous is not null && previous != Emoji && IsCommon(codepoint) && Has(previous, codepoint))
        {
            return previous;
        }

        if (Has(chain.Primary, codepoint))
        {
            return chain.Primary;
        }

        foreach (var face in chain.Fallbacks)
        {
            if (Has(face, codepoint))
            {
                return face;
            }
        }

        return chain.Primary;
    }

    /// <summary>Whether <paramref name="face"/> has a glyph for <paramref name="codepoint"/>.</summary>
    public static bool Draws(SKTypeface face, int codepoint) => Has(face, codepoint);

    /// <summary>
    /// Characters drawn as nothing, so no face needs a glyph for them: Unicode's
    /// Default_Ignorable_Code_Point (joiners, variation selectors, bidi controls, soft hyphen, tags; DerivedCoreProperties.txt).
    /// </summary>
    public static bool IsIgnorable(int codepoint) => codepoint switch
    {
        0x00AD or 0x034F or 0x061C or 0x115F or 0x1160 or 0x17B4 or 0x17B5 or 0x3164 or 0xFEFF or 0xFFA0 => true,
        (>= 0x180B and <= 0x180F) or (>= 0x200B and <= 0x200F) or (>= 0x202A and <= 0x202E) or (>= 0x2060 and <= 0x206F) => true,
        (>= 0xFE00 and <= 0xFE0F) or (>= 0xFFF0 and <= 0xFFF8) or (>= 0x1BCA0 and <= 0x1BCA3) or (>= 0x1D173 and <= 0x1D17A) => true,
        >= 0xE0000 and <= 0xE0FFF => true,
        _ => false,
    };

    /// <summary>Whether any bundled face draws <paramref name="codepoint"/> (no tofu).</summary>
    public bool Covers(int codepoint) =>
        _all.Exists(face => Has(face, codepoint));

    private SKTypeface? ScriptFace(int codepoint, bool bold) => codepoint switch
    {
        (>= 0x0600 and <= 0x06FF) or (>= 0x0750 and <= 0x077F) or (>= 0x08A0 and <= 0x08FF)
            or (>= 0xFB50 and <= 0xFDFF) or (>= 0xFE70 and <= 0xFEFF) => bold ? ArabicBold : Arabic,
        (>= 0x0590 and <= 0x05FF) or (>= 0xFB1D and <= 0xFB4F) => bold ? HebrewBold : Hebrew,
        (>= 0x0900 and <= 0x097F) or (>= 0xA8E0 and <= 0xA8FF) => bold ? DevanagariBold : Devanagari,
        >= 0x0E00 and <= 0x0E7F => bold ? ThaiBold : Thai,
        (>= 0x1100 and <= 0x11FF) or (>= 0x3130 and <= 0x318F) or (>= 0xAC00 and <= 0xD7AF) => bold ? KoreanBold : Korean,
        _ => null,
    };

    /// <summary>Characters with emoji presentation by default (pictographs, flags, keycap and symbol emoji blocks).</summary>
    public static bool IsEmoji(int codepoint) =>
        codepoint is (>= 0x1F000 and <= 0x1FAFF) or (>= 0x2600 and <= 0x27BF) or 0x2B50 or 0x2B55 or 0x231A or 0x231B
            or (>= 0x23E9 and <= 0x23F3);

    /// <summary>Spaces, punctuation and symbols: script-neutral, drawn with the face around them.</summary>
    private static bool IsCommon(int codepoint) => CharUnicodeInfo.GetUnicodeCategory(codepoint) is
        UnicodeCategory.SpaceSeparator or UnicodeCategory.OtherPunctuation or UnicodeCategory.DashPunctuation
        or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
        or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.DecimalDigitNumber;

    /// <summary>
    /// Whether the face maps the codepoint to a glyph. SKFont.ContainsGlyph is the suggested
    /// replacement, but an SKFont is not thread-safe and this library is shared by all threads;
    /// the typeface's cmap lookup is.
    /// </summary>
#pragma warning disable CS0618
    private static bool Has(SKTypeface face, int codepoint) => face.ContainsGlyph(codepoint);
#pragma warning restore CS0618

    private SKTypeface Load(string path)
    {
        var typeface = SKTypeface.FromFile(path)
            ?? throw new FileNotFoundException($"Bundled font missing or unreadable: {path}", path);
        if (typeface.GlyphCount == 0)
        {
            typeface.Dispose();
            throw new InvalidOperationException($"Bundled font has no glyphs: {path}");
        }

        _all.Add(typeface);
        return typeface;
    }

    public void Dispose()
    {
        foreach (var face in _all)
        {
            face.Dispose();
        }
    }
}
