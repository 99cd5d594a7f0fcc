namespace ImageJobs.Rendering.Layout;

/// <summary>A rectangle in pixels (layout stays free of Skia types).</summary>
public readonly record struct LayoutRect(float Left, float Top, float Width, float Height)
{
    public float Right => Left + Width;

    public float Bottom => Top + Height;

    public bool Contains(LayoutRect other, float tolerance = 0) =>
        other.Left >= Left - tolerance && other.Top >= Top - tolerance
        && other.Right <= Right + tolerance && other.Bottom <= Bottom + tolerance;
}

/// <summary>Where one line goes: its left edge, baseline and width, in pixels.</summary>
public readonly record struct PlacedLine(float X, float Baseline, float Width);

/// <summary>The text block's bounds (ascent of the first line to descent of the last) and its lines.</summary>
public sealed record PlacedBlock(LayoutRect Bounds, IReadOnlyList<PlacedLine> Lines);

/// <summary>Anchors a block of lines inside a box and aligns the lines inside the block.</summary>
public static class BlockPlacer
{
    public static PlacedBlock Place(
        LayoutRect box,
        Anchor anchor,
        float offsetX,
        float offsetY,
        TextAlignment align,
        IReadOnlyList<float> lineWidths,
        float size,
        LineMetrics metrics)
    {
        var inkMargin = metrics.InkMargin * size;
        var blockWidth = lineWidths.Count == 0 ? 0 : lineWidths.Max();
        var blockHeight = (metrics.BlockHeight(lineWidths.Count) * size) - (2 * inkMargin);
        var (column, row) = Split(anchor);

        // The ink margin (outline) keeps the stroke inside the box at every anchor.
        var left = column switch
        {
            0 => box.Left + inkMargin,
            1 => box.Left + ((box.Width - blockWidth) / 2),
            _ => box.Right - inkMargin - blockWidth,
        } + offsetX;
        var top = row switch
        {
            0 => box.Top + inkMargin,
            1 => box.Top + ((box.Height - blockHeight) / 2),
            _ => box.Bottom - inkMargin - blockHeight,
        } + offsetY;

        var lines = new PlacedLine[lineWidths.Count];
        for (var i = 0; i < lines.Length; i++)
        {
            var width = lineWidths[i];
            var x = align switch
            {
                TextAlignment.Left => left,
                TextAlignment.Right => left + blockWidth - width,
                _ => left + ((blockWidth - width) / 2),
            };
            lines[i] = new PlacedLine(x, top + (metrics.Ascent * size) + (i * metrics.LineAdvance * size), width);
        }

        return new PlacedBlock(new LayoutRect(left, top, blockWidth, blockHeight), lines);
    }

    /// <summary>Column (0 left, 1 centre, 2 right) and row (0 top, 1 middle, 2 bottom) of an anchor.</summary>
    public static (int Column, int Row) Split(Anchor anchor)
    {
        var index = (int)anchor;
        return (index % 3, index / 3);
    }

    /// <summary>Resolves a box style against an image size; the result is clamped to the image.</summary>
    public static LayoutRect ResolveBox(TextBoxStyle box, int imageWidth, int imageHeight)
    {
        var percent = box.Unit != BoxUnit.Pixels;
        float X(double? value, double fallback) => (float)(percent ? (value ?? fallback) * imageWidth / 100 : value ?? fallback * imageWidth / 100);
        float Y(double? value, double fallback) => (float)(percent ? (value ?? fallback) * imageHeight / 100 : value ?? fallback * imageHeight / 100);
        // Unset numbers (a pixel box that gives only its size, say) take the default box's percentages.
        var place = TextBoxStyle.Default;
        var left = Math.Clamp(X(box.X, place.X!.Value), 0, imageWidth);
        var top = Math.Clamp(Y(box.Y, place.Y!.Value), 0, imageHeight);
        var right = Math.Clamp(left + X(box.Width, place.Width!.Value), left, imageWidth);
        var bottom = Math.Clamp(top + Y(box.Height, place.Height!.Value), top, imageHeight);
        return new LayoutRect(left, top, right - left, bottom - top);
    }
}
