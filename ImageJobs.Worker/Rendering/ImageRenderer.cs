using SkiaSharp;

namespace ImageJobs.Worker.Rendering;

/// <summary>
/// Bytes and a style in, bytes out: no I/O. Checks the untrusted source from its header
/// before a pixel is decoded, draws the caption (outline, then fill) and encodes the result
/// in the source's format.
/// </summary>
public sealed class ImageRenderer(FontLibrary fonts, RenderLimits limits)
{
    private const int JpegQuality = 88;

    public RenderedImage Render(ReadOnlyMemory<byte> source, string text, TextStyle? style = null)
    {
        var effective = (style ?? TextStyle.Default).Over(TextStyle.Default);
        Check(source, text, effective);

        using var data = SKData.CreateCopy(source.Span);
        using var codec = SKCodec.Create(data)
            ?? throw new RenderException(RenderErrorCodes.UnsupportedFormat, "The data is not an image in a supported format (JPEG, PNG, WebP).");
        var format = FormatOf(codec.EncodedFormat);

        var info = codec.Info;
        if ((long)info.Width * info.Height > limits.MaxPixels)
        {
            throw new RenderException(RenderErrorCodes.TooManyPixels,
                $"The image is {info.Width}x{info.Height} pixels, more than the limit of {limits.MaxPixels:N0}.");
        }

        using var bitmap = Decode(codec, format);
        using var oriented = Orient(bitmap, codec.EncodedOrigin);
        using (var canvas = new SKCanvas(oriented))
        {
            DrawCaption(canvas, oriented.Width, oriented.Height, text, effective);
        }

        using var image = SKImage.FromBitmap(oriented);
        using var encoded = Encode(image, format);
        return new RenderedImage(encoded.ToArray(), format, oriented.Width, oriented.Height);
    }

    private void Check(ReadOnlyMemory<byte> source, string text, TextStyle style)
    {
        if (source.IsEmpty)
        {
            throw new RenderException(RenderErrorCodes.EmptySource, "The source image is empty (0 bytes).");
        }

        if (source.Length > limits.MaxSourceBytes)
        {
            throw new RenderException(RenderErrorCodes.SourceTooLarge,
                $"The source image is {source.Length:N0} bytes, more than the limit of {limits.MaxSourceBytes:N0}.");
        }

        if (text.Length > limits.MaxTextLength)
        {
            throw new RenderException(RenderErrorCodes.TextTooLong,
                $"The text is {text.Length:N0} characters, more than the limit of {limits.MaxTextLength:N0}.");
        }

        var errors = style.Validate();
        if (errors.Count > 0)
        {
            throw new RenderException(RenderErrorCodes.InvalidStyle,
                "Invalid style: " + string.Join("; ", errors.Select(e => $"{e.Key} {e.Value}")));
        }
    }

    private static ImageFormat FormatOf(SKEncodedImageFormat format) => format switch
    {
        SKEncodedImageFormat.Jpeg => ImageFormat.Jpeg,
        SKEncodedImageFormat.Png => ImageFormat.Png,
        SKEncodedImageFormat.Webp => ImageFormat.Webp,
        _ => throw new RenderException(RenderErrorCodes.UnsupportedFormat, $"Images in {format} format are not accepted (JPEG, PNG, WebP)."),
    };

    private static SKBitmap Decode(SKCodec codec, ImageFormat format)
    {
        var info = codec.Info.WithColorType(SKColorType.Rgba8888)
            .WithAlphaType(format == ImageFormat.Jpeg ? SKAlphaType.Opaque : SKAlphaType.Premul);
        var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
        {
            bitmap.Dispose();
            throw new RenderException(RenderErrorCodes.CorruptImage, $"The image data is truncated or corrupt ({result}).");
        }

        return bitmap;
    }

    /// <summary>Applies EXIF orientation, so the output is upright and has the oriented size.</summary>
    private static SKBitmap Orient(SKBitmap bitmap, SKEncodedOrigin origin)
    {
        if (origin == SKEncodedOrigin.TopLeft)
        {
            return bitmap.Copy();
        }

        var swap = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        var info = swap ? bitmap.Info.WithSize(bitmap.Height, bitmap.Width) : bitmap.Info;
        var oriented = new SKBitmap(info);
        using var canvas = new SKCanvas(oriented);
        canvas.SetMatrix(OriginMatrix(origin, bitmap.Width, bitmap.Height));
        using var image = SKImage.FromBitmap(bitmap);
        canvas.DrawImage(image, 0, 0, SKSamplingOptions.Default);
        return oriented;
    }

    private static SKMatrix OriginMatrix(SKEncodedOrigin origin, int w, int h) => origin switch
    {
        SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1),
        SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1),
        SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1),
        SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightTop => new SKMatrix(0, -1, h, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, h, -1, 0, w, 0, 0, 1),
        SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, w, 0, 0, 1),
        _ => SKMatrix.Identity,
    };

    private void DrawCaption(SKCanvas canvas, int width, int height, string text, TextStyle style)
    {
        var fill = ColorParser.Parse(style.Color!);
        var outline = ColorParser.Parse(style.OutlineColor!);

        using var font = new SKFont(fonts.SansBold, (float)(height * style.FontSizeRatio!.Value));
        // Shrink until the caption fits 90% of the width.
        var textWidth = font.MeasureText(text);
        if (textWidth > width * 0.9f)
        {
            font.Size *= width * 0.9f / textWidth;
        }

        var x = width / 2f;
        var y = height - font.Metrics.Descent - height * 0.05f;
        using var stroke = new SKPaint
        {
            IsAntialias = true,
            Style = SKPaintStyle.Stroke,
            StrokeJoin = SKStrokeJoin.Round,
            StrokeWidth = (float)(font.Size * style.OutlineRatio!.Value),
            Color = outline,
        };
        using var paint = new SKPaint { IsAntialias = true, Color = fill };
        if (stroke.StrokeWidth > 0)
        {
            canvas.DrawText(text, x, y, SKTextAlign.Center, font, stroke);
        }

        canvas.DrawText(text, x, y, SKTextAlign.Center, font, paint);
    }

    private static SKData Encode(SKImage image, ImageFormat format)
    {
        using var pixmap = image.PeekPixels();
        var encoded = format == ImageFormat.Png
            ? pixmap.Encode(new SKPngEncoderOptions(SKPngEncoderFilterFlags.AllFilters, zLibLevel: 6))
            : format == ImageFormat.Webp
                ? pixmap.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossy, JpegQuality))
                : pixmap.Encode(new SKJpegEncoderOptions(JpegQuality, SKJpegEncoderDownsample.Downsample420, SKJpegEncoderAlphaOption.Ignore));
        return encoded ?? throw new InvalidOperationException($"Encoding {format.Name} failed.");
    }
}
