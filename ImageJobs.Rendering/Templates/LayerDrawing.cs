using System.Globalization;
using ImageJobs.Contracts;
using ImageJobs.Rendering.Imaging;
using ImageJobs.Rendering.Layout;
using NetVips;
using SkiaSharp;

namespace ImageJobs.Rendering.Templates;

/// <summary>A layer laid out for one image: the region it may put ink in, and how to draw it.</summary>
internal abstract record PreparedLayer(SKRect Extent, float Opacity) : IDisposable
{
    public virtual void Dispose()
    {
    }
}

internal sealed record PreparedPicture(SKRect Extent, float Opacity, SKImage Picture, SKRect Destination, float Radius) : PreparedLayer(Extent, Opacity)
{
    public override void Dispose()
    {
        Picture.Dispose();
        base.Dispose();
    }
}

/// <summary>Modules [row, column] of a QR code (a barcode has one row), each <paramref name="Module"/> pixels, the quiet zone around them.</summary>
internal sealed record PreparedModules(SKRect Extent, float Opacity, bool[,] Modules, int Module, int QuietZone, SKColor Dark, SKColor Light) : PreparedLayer(Extent, Opacity);

internal sealed record PreparedShape(SKRect Extent, float Opacity, ShapeLayer Shape) : PreparedLayer(Extent, Opacity);

/// <summary>
/// Lays out and draws the layers that are not text: pictures, QR codes, barcodes and shapes.
/// Geometry is pure and snapped to whole pixels where a reader needs crisp edges (codes).
/// </summary>
internal static class LayerDrawing
{
    public const int DefaultQrQuietZone = 4;

    public const int DefaultBarcodeQuietZone = 10;

    /// <summary>A <paramref name="width"/> x <paramref name="height"/> rectangle placed in <paramref name="box"/> by the anchor.</summary>
    public static SKRect Place(LayoutRect box, float width, float height, Anchor anchor)
    {
        var (column, row) = BlockPlacer.Split(anchor);
        var left = box.Left + (column * (box.Width - width) / 2);
        var top = box.Top + (row * (box.Height - height) / 2);
        return SKRect.Create(left, top, width, height);
    }

    public static PreparedModules Qr(QrLayer layer, LayoutRect box, float opacity)
    {
        var modules = CodePatterns.Qr(layer.Value, layer.ErrorCorrection ?? QrErrorCorrection.M);
        var quiet = layer.QuietZone ?? DefaultQrQuietZone;
        var total = modules.GetLength(0) + (2 * quiet);
        var module = (int)MathF.Floor(Math.Min(box.Width, box.Height) / total);
        TooSmall(layer.Name, module, total, "QR code", Math.Min(box.Width, box.Height));
        return Modules(layer, Place(box, module * total, module * total, layer.Anchor ?? Anchor.Center), opacity, modules, module, quiet);
    }

    public static PreparedModules Barcode(BarcodeLayer layer, LayoutRect box, float opacity)
    {
        var bars = CodePatterns.Barcode(layer.Value, layer.Symbology ?? BarcodeSymbology.Code128);
        var quiet = layer.QuietZone ?? DefaultBarcodeQuietZone;
        var total = bars.Length + (2 * quiet);
        var module = (int)MathF.Floor(box.Width / total);
        TooSmall(layer.Name, module, total, "barcode", box.Width);
        var height = MathF.Floor(box.Height);
        var modules = new bool[1, bars.Length];
        for (var i = 0; i < bars.Length; i++)
        {
            modules[0, i] = bars[i];
        }

        return Modules(layer, Place(box, module * total, height, layer.Anchor ?? Anchor.Center), opacity, modules, module, quiet);
    }

    private static PreparedModules Modules(CodeLayer layer, SKRect place, float opacity, bool[,] modules, int module, int quiet) =>
        new(Snap(place), opacity, modules, module, quiet, Color(layer.Color, SKColors.Black), Color(layer.Background, SKColors.White));

    public static PreparedShape Shape(ShapeLayer layer, LayoutRect box, float opacity) =>
        new(SKRect.Create(box.Left, box.Top, box.Width, box.Height), opacity, layer);

    /// <summary>
    /// Decodes the picture (checked as a source is: format by content, pixels from the header), scaled
    /// by libvips to the size it is drawn at, so Skia only copies it.
    /// </summary>
    public static PreparedPicture Picture(ImageLayer layer, LayoutRect box, float opacity, ReadOnlyMemory<byte> bytes, RenderLimits limits)
    {
        using var opened = SourceImage.Open(bytes, limits);
        var image = opened.Image;
        var fit = layer.Fit ?? ImageFit.Contain;
        var (sx, sy) = fit switch
        {
            ImageFit.Stretch => (box.Width / image.Width, box.Height / image.Height),
            ImageFit.Cover => Same(Math.Max(box.Width / image.Width, box.Height / image.Height)),
            _ => Same(Math.Min(box.Width / image.Width, box.Height / image.Height)),
        };
        var width = Math.Max(1, (int)MathF.Round(image.Width * sx));
        var height = Math.Max(1, (int)MathF.Round(image.Height * sy));
        var destination = fit == ImageFit.Stretch
            ? SKRect.Create(box.Left, box.Top, width, height)
            : Place(box, width, height, layer.Anchor ?? Anchor.Center);
        var shown = SKRect.Intersect(destination, SKRect.Create(box.Left, box.Top, box.Width, box.Height));
        var radius = (float)(layer.CornerRadius ?? 0) * Math.Min(shown.Width, shown.Height);
        try
        {
            return new PreparedPicture(shown, opacity, Pixels(image, width, height), destination, radius);
        }
        catch (VipsException ex)
        {
            throw SourceImage.DecodeFailure(ex);
        }
    }

    public static void Draw(SKCanvas canvas, PreparedLayer layer, SKPaint paint)
    {
        paint.Reset();
        paint.IsAntialias = true;
        switch (layer)
        {
            case PreparedPicture picture:
                canvas.Save();
                if (picture.Radius > 0)
                {
                    canvas.ClipRoundRect(new SKRoundRect(picture.Extent, picture.Radius), antialias: true);
                }
                else
                {
                    canvas.ClipRect(picture.Extent);
                }

                canvas.DrawImage(picture.Picture, picture.Destination, new SKSamplingOptions(SKFilterMode.Linear), paint);
                canvas.Restore();
                break;
            case PreparedModules codes:
                DrawModules(canvas, codes, paint);
                break;
            case PreparedShape shape:
                DrawShape(canvas, shape, paint);
                break;
        }
    }

    private static void DrawModules(SKCanvas canvas, PreparedModules codes, SKPaint paint)
    {
        // Whole-pixel modules, no anti-aliasing: a reader needs crisp edges.
        paint.IsAntialias = false;
        paint.Color = codes.Light;
        canvas.DrawRect(codes.Extent, paint);
        paint.Color = codes.Dark;
        var rows = codes.Modules.GetLength(0);
        var columns = codes.Modules.GetLength(1);
        var left = codes.Extent.Left + (codes.QuietZone * codes.Module);
        var top = rows == 1 ? codes.Extent.Top : codes.Extent.Top + (codes.QuietZone * codes.Module);
        var height = rows == 1 ? codes.Extent.Height : codes.Module;
        for (var row = 0; row < rows; row++)
        {
            // One rectangle per run of dark modules in a row.
            for (var column = 0; column < columns; column++)
            {
                if (!codes.Modules[row, column])
                {
                    continue;
                }

                var start = column;
                while (column + 1 < columns && codes.Modules[row, column + 1])
                {
                    column++;
                }

                canvas.DrawRect(SKRect.Create(left + (start * codes.Module), top + (row * codes.Module), (column - start + 1) * codes.Module, height), paint);
            }
        }
    }

    private static void DrawShape(SKCanvas canvas, PreparedShape prepared, SKPaint paint)
    {
        var shape = prepared.Shape;
        var rect = prepared.Extent;
        var shorter = Math.Min(rect.Width, rect.Height);
        var stroke = (float)(shape.StrokeWidth ?? 0) * shorter;
        var radius = shape.Shape == ShapeKind.RoundedRectangle ? (float)(shape.CornerRadius ?? 0.2) * shorter : 0;
        if (shape.Fill is { } fill && ColorParser.Parse(fill) is { Alpha: > 0 } fillColor)
        {
            paint.Style = SKPaintStyle.Fill;
            paint.Color = fillColor;
            canvas.DrawRoundRect(rect, radius, radius, paint);
        }

        if (stroke > 0 && shape.Stroke is { } strokeText && ColorParser.Parse(strokeText) is { Alpha: > 0 } strokeColor)
        {
            // The stroke stays inside the box.
            var inner = SKRect.Inflate(rect, -stroke / 2, -stroke / 2);
            paint.Style = SKPaintStyle.Stroke;
            paint.StrokeWidth = stroke;
            paint.Color = strokeColor;
            var innerRadius = Math.Max(0, radius - (stroke / 2));
            canvas.DrawRoundRect(inner, innerRadius, innerRadius, paint);
        }
    }

    private static SKImage Pixels(Image image, int width, int height)
    {
        using var resized = image.Resize((double)width / image.Width, vscale: (double)height / image.Height);
        using var srgb = resized.Colourspace(Enums.Interpretation.Srgb);
        using var withAlpha = srgb.HasAlpha() ? srgb.Copy() : srgb.Bandjoin(255);
        using var eight = withAlpha.Cast(Enums.BandFormat.Uchar);
        var bytes = eight.WriteToMemory<byte>();
        var info = new SKImageInfo(eight.Width, eight.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        return SKImage.FromPixelCopy(info, bytes) ?? throw new JobFailedException(ErrorCodes.CorruptImage, "The picture's pixels could not be read.");
    }

    private static void TooSmall(string layer, int module, int modules, string what, float available)
    {
        if (module < 1)
        {
            throw new JobFailedException(ErrorCodes.CodeTooSmall, string.Create(CultureInfo.InvariantCulture,
                $"Layer '{layer}': the {what} needs {modules} px (one per module, quiet zone included), but its box gives {available:0} px on this image."));
        }
    }

    private static SKRect Snap(SKRect rect) => SKRect.Create(MathF.Round(rect.Left), MathF.Round(rect.Top), rect.Width, rect.Height);

    private static (float, float) Same(float scale) => (scale, scale);

    private static SKColor Color(string? value, SKColor fallback) => value is null ? fallback : ColorParser.Parse(value);
}
