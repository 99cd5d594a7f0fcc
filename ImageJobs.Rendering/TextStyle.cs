namespace ImageJobs.Rendering;

/// <summary>
/// How the caption looks. Every property is optional: a null means the default, so a batch
/// style and a per-image override can be merged property by property (nested parts too).
/// Sizes given as "em" are fractions of the font size, so a style looks alike on any image size.
/// </summary>
public sealed record TextStyle
{
    /// <summary>Font size as a fraction of the image height; with <see cref="AutoFit"/> the largest size tried.</summary>
    public double? FontSizeRatio { get; init; }

    /// <summary>With <see cref="AutoFit"/>: the smallest size tried, as a fraction of the image height.</summary>
    public double? MinFontSizeRatio { get; init; }

    /// <summary>Pick the largest size between the min and max at which the wrapped text fits the box.</summary>
    public bool? AutoFit { get; init; }

    /// <summary><c>Sans</c> or <c>Serif</c> (bundled), or the family of an uploaded font (template layers only: their jobs carry the faces).</summary>
    public string? FontFamily { get; init; }

    /// <summary>Shorthand for <see cref="FontWeight"/> 700 (true) or 400 (false) when no weight is set.</summary>
    public bool? Bold { get; init; }

    /// <summary>100 (thin) to 900 (black), as CSS's font-weight; the nearest face of the family is used, emboldened from 600 when it is lighter.</summary>
    public int? FontWeight { get; init; }

    /// <summary>The family's italic face, or a slant of its upright one when it has none.</summary>
    public bool? Italic { get; init; }

    /// <summary>#RRGGBB or #RRGGBBAA.</summary>
    public string? Color { get; init; }

    public string? OutlineColor { get; init; }

    /// <summary>Outline width as a fraction of the font size (0: none).</summary>
    public double? OutlineRatio { get; init; }

    /// <summary>Of the whole caption (text, outline, shadow, background), 0 to 1.</summary>
    public double? Opacity { get; init; }

    /// <summary>Multiplies the font's natural line height.</summary>
    public double? LineSpacing { get; init; }

    public TextAlignment? Align { get; init; }

    public Anchor? Anchor { get; init; }

    /// <summary>Moves the anchored block, in pixels (positive: right and down).</summary>
    public double? OffsetX { get; init; }

    public double? OffsetY { get; init; }

    public OverflowPolicy? Overflow { get; init; }

    /// <summary>At most this many lines (0: as many as the box holds); more is an overflow.</summary>
    public int? MaxLines { get; init; }

    /// <summary>Extra space after every character, in em (negative: tighter).</summary>
    public double? LetterSpacing { get; init; }

    public TextBoxStyle? Box { get; init; }

    public ShadowStyle? Shadow { get; init; }

    public BackgroundStyle? Background { get; init; }

    public OutputStyle? Output { get; init; }

    public static TextStyle Default { get; } = new()
    {
        FontSizeRatio = 0.08,
        MinFontSizeRatio = 0.02,
        AutoFit = true,
        FontFamily = FontLibrary.SansFamily,
        Bold = true,
        Color = "#FFFFFF",
        OutlineColor = "#000000",
        OutlineRatio = 0.12,
        Opacity = 1,
        LineSpacing = 1,
        Align = TextAlignment.Center,
        Anchor = Rendering.Anchor.BottomCenter,
        OffsetX = 0,
        OffsetY = 0,
        Overflow = OverflowPolicy.Ellipsis,
        MaxLines = 0,
        LetterSpacing = 0,
        Box = TextBoxStyle.Default,
        Shadow = ShadowStyle.Default,
        Background = BackgroundStyle.Default,
        Output = OutputStyle.Default,
    };

    /// <summary>This style's values where set, <paramref name="fallback"/>'s elsewhere.</summary>
    public TextStyle Over(TextStyle fallback) => new()
    {
        FontSizeRatio = FontSizeRatio ?? fallback.FontSizeRatio,
        MinFontSizeRatio = MinFontSizeRatio ?? fallback.MinFontSizeRatio,
        AutoFit = AutoFit ?? fallback.AutoFit,
        FontFamily = FontFamily ?? fallback.FontFamily,
        Bold = Bold ?? fallback.Bold,
        FontWeight = FontWeight ?? fallback.FontWeight,
        Italic = Italic ?? fallback.Italic,
        Color = Color ?? fallback.Color,
        OutlineColor = OutlineColor ?? fallback.OutlineColor,
        OutlineRatio = OutlineRatio ?? fallback.OutlineRatio,
        Opacity = Opacity ?? fallback.Opacity,
        LineSpacing = LineSpacing ?? fallback.LineSpacing,
        Align = Align ?? fallback.Align,
        Anchor = Anchor ?? fallback.Anchor,
        OffsetX = OffsetX ?? fallback.OffsetX,
        OffsetY = OffsetY ?? fallback.OffsetY,
        Overflow = Overflow ?? fallback.Overflow,
        MaxLines = MaxLines ?? fallback.MaxLines,
        LetterSpacing = LetterSpacing ?? fallback.LetterSpacing,
        Box = Merge(Box, fallback.Box, static (a, b) => a.Over(b)),
        Shadow = Merge(Shadow, fallback.Shadow, static (a, b) => a.Over(b)),
        Background = Merge(Background, fallback.Background, static (a, b) => a.Over(b)),
        Output = Merge(Output, fallback.Output, static (a, b) => a.Over(b)),
    };

    /// <summary>The weight drawn: <see cref="FontWeight"/>, else 700 for <see cref="Bold"/>, else 400.</summary>
    public int EffectiveWeight => FontWeight ?? (Bold == true ? 700 : 400);

    private static T? Merge<T>(T? value, T? fallback, Func<T, T, T> over)
        where T : class =>
        value is null ? fallback : fallback is null ? value : over(value, fallback);

    /// <summary>Field path (camelCase, as in JSON, e.g. <c>box.width</c>) to problem, for every invalid value.</summary>
    public IReadOnlyDictionary<string, string> Validate()
    {
        var errors = new StyleErrors();
        Validate(errors);
        return errors.ToDictionary();
    }

    internal void Validate(StyleErrors errors)
    {
        errors.Range("fontSizeRatio", FontSizeRatio, 0, 1, minExclusive: true);
        errors.Range("minFontSizeRatio", MinFontSizeRatio, 0, 1, minExclusive: true);
        if (FontSizeRatio is { } max && MinFontSizeRatio is { } min && min > max)
        {
            errors.Add("minFontSizeRatio", "must not be larger than fontSizeRatio");
        }

        errors.Color("color", Color);
        errors.Color("outlineColor", OutlineColor);
        errors.Range("outlineRatio", OutlineRatio, 0, 0.5);
        errors.Range("opacity", Opacity, 0, 1);
        errors.Range("lineSpacing", LineSpacing, 0.5, 4);
        errors.Range("offsetX", OffsetX, -100_000, 100_000);
        errors.Range("offsetY", OffsetY, -100_000, 100_000);
        errors.Range("maxLines", MaxLines, 0, 1_000);
        errors.Range("letterSpacing", LetterSpacing, -0.5, 2);
        if (FontFamily is not null && UploadedFonts.FamilyProblem(FontFamily) is { } familyProblem)
        {
            errors.Add("fontFamily", familyProblem);
        }

        errors.Range("fontWeight", FontWeight, 100, 900);
        errors.Defined("align", Align);
        errors.Defined("anchor", Anchor);
        errors.Defined("overflow", Overflow);
        Box?.Validate(errors.Under("box"));
        Shadow?.Validate(errors.Under("shadow"));
        Background?.Validate(errors.Under("background"));
        Output?.Validate(errors.Under("output"));
    }
}

/// <summary>The region the text must stay inside, clipped to the image. Default: the whole image minus a 5% margin.</summary>
public sealed record TextBoxStyle
{
    public BoxUnit? Unit { get; init; }

    public double? X { get; init; }

    public double? Y { get; init; }

    public double? Width { get; init; }

    public double? Height { get; init; }

    public static TextBoxStyle Default { get; } = new() { Unit = BoxUnit.Percent, X = 5, Y = 5, Width = 90, Height = 90 };

    public TextBoxStyle Over(TextBoxStyle fallback)
    {
        // Numbers are inherited only in the same unit (5 percent is not 5 pixels); left unset, they
        // resolve to the default box's place on the image (BlockPlacer.ResolveBox).
        var unit = Unit ?? fallback.Unit;
        var inherited = (unit == BoxUnit.Pixels) == (fallback.Unit == BoxUnit.Pixels) ? fallback : new TextBoxStyle();
        return new()
        {
            Unit = unit,
            X = X ?? inherited.X,
            Y = Y ?? inherited.Y,
            Width = Width ?? inherited.Width,
            Height = Height ?? inherited.Height,
        };
    }

    internal void Validate(StyleErrors errors)
    {
        errors.Defined("unit", Unit);
        var limit = Unit == BoxUnit.Pixels ? 100_000 : 100;
        errors.Range("x", X, 0, limit);
        errors.Range("y", Y, 0, limit);
        errors.Range("width", Width, 0, limit, minExclusive: true);
        errors.Range("height", Height, 0, limit, minExclusive: true);
        // A box reaching past the image is clipped to it (see BlockPlacer.ResolveBox), not refused:
        // a pixel box may be shared by a batch of images of different sizes.
    }
}

/// <summary>A drop shadow under the text; offsets and blur in em. No colour (or alpha 0): no shadow.</summary>
public sealed record ShadowStyle
{
    public string? Color { get; init; }

    public double? OffsetX { get; init; }

    public double? OffsetY { get; init; }

    public double? Blur { get; init; }

    public static ShadowStyle Default { get; } = new() { Color = "#00000000", OffsetX = 0.04, OffsetY = 0.04, Blur = 0.04 };

    public ShadowStyle Over(ShadowStyle fallback) => new()
    {
        Color = Color ?? fallback.Color,
        OffsetX = OffsetX ?? fallback.OffsetX,
        OffsetY = OffsetY ?? fallback.OffsetY,
        Blur = Blur ?? fallback.Blur,
    };

    internal void Validate(StyleErrors errors)
    {
        errors.Color("color", Color);
        errors.Range("offsetX", OffsetX, -2, 2);
        errors.Range("offsetY", OffsetY, -2, 2);
        errors.Range("blur", Blur, 0, 1);
    }
}

/// <summary>A (rounded) box behind the text; padding and radius in em. No colour (or alpha 0): no box.</summary>
public sealed record BackgroundStyle
{
    public string? Color { get; init; }

    public double? Padding { get; init; }

    public double? CornerRadius { get; init; }

    public static BackgroundStyle Default { get; } = new() { Color = "#00000000", Padding = 0.3, CornerRadius = 0.2 };

    public BackgroundStyle Over(BackgroundStyle fallback) => new()
    {
        Color = Color ?? fallback.Color,
        Padding = Padding ?? fallback.Padding,
        CornerRadius = CornerRadius ?? fallback.CornerRadius,
    };

    internal void Validate(StyleErrors errors)
    {
        errors.Color("color", Color);
        errors.Range("padding", Padding, 0, 2);
        errors.Range("cornerRadius", CornerRadius, 0, 2);
    }
}
