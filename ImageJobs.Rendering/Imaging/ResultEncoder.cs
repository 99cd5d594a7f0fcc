using SkiaSharp;

namespace ImageJobs.Rendering.Imaging;

/// <summary>Picks the output format and encodes the result.</summary>
public static class ResultEncoder
{
    public static ImageFormat Choose(OutputFormat requested, SKEncodedImageFormat source) => requested switch
    {
        OutputFormat.Jpeg => ImageFormat.Jpeg,
        OutputFormat.Png => ImageFormat.Png,
        OutputFormat.Webp => ImageFormat.Webp,
        // We do not write GIF or BMP: PNG keeps their pixels and alpha.
        _ => source switch
        {
            SKEncodedImageFormat.Jpeg => ImageFormat.Jpeg,
            SKEncodedImageFormat.Webp => ImageFormat.Webp,
            _ => ImageFormat.Png,
        },
    };

    public static SKData Encode(SKPixmap pixmap, ImageFormat format, int quality)
    {
        SKData? encoded;
        if (format == ImageFormat.Png)
        {
            encoded = pixmap.Encode(new SKPngEncoderOptions(SKPngEncoderFilterFlags.AllFilters, zLibLevel: 6));
        }
        else if (format == ImageFormat.Webp)
        {
            encoded = pixmap.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossy, quality));
        }
        else
        {
            // JPEG has no alpha: transparent areas are blended on black, as Skia does.
            encoded = pixmap.Encode(new SKJpegEncoderOptions(quality, SKJpegEncoderDownsample.Downsample420, SKJpegEncoderAlphaOption.BlendOnBlack));
        }

        return encoded ?? throw new InvalidOperationException($"Encoding {format.Name} failed.");
    }
}
