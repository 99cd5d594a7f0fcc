using System.Collections.Frozen;
using System.Globalization;
using ImageJobs.Contracts;
using SkiaSharp;

namespace ImageJobs.Rendering.Imaging;

/// <summary>
/// Untrusted source bytes to an upright bitmap. Everything that can be checked from the header
/// (format, size) is checked before a pixel buffer is allocated, so a small file declaring a
/// huge image (a decompression bomb) costs nothing.
/// </summary>
public static class SourceImage
{
    /// <summary>Formats we accept as input. GIF and BMP give their first frame.</summary>
    public static readonly FrozenSet<SKEncodedImageFormat> AllowedFormats = FrozenSet.Create(
        SKEncodedImageFormat.Jpeg, SKEncodedImageFormat.Png, SKEncodedImageFormat.Webp, SKEncodedImageFormat.Gif, SKEncodedImageFormat.Bmp);

    /// <summary>Opens a codec on the bytes (header only) and checks format and pixel count.</summary>
    /// <exception cref="JobFailedException">Not an image, a format not allowed, or too many pixels.</exception>
    public static SKCodec Open(SKData data, RenderLimits limits)
    {
        var codec = SKCodec.Create(data);
        if (codec is null)
        {
            // An image's signature with an unreadable header is a damaged image, not some other kind of file.
            throw HasImageSignature(data.AsSpan())
                ? new JobFailedException(ErrorCodes.CorruptImage, "The image header is damaged: it starts like an image but cannot be read.")
                : new JobFailedException(ErrorCodes.NotAnImage, "The data is not an image; accepted: JPEG, PNG, WebP, GIF, BMP.");
        }

        try
        {
            if (!AllowedFormats.Contains(codec.EncodedFormat))
            {
                throw new JobFailedException(ErrorCodes.UnsupportedFormat,
                    $"Images in {codec.EncodedFormat} format are not accepted; accepted: JPEG, PNG, WebP, GIF, BMP.");
            }

            var info = codec.Info;
            if (info.Width <= 0 || info.Height <= 0)
            {
                throw new JobFailedException(ErrorCodes.CorruptImage, "The image header declares no pixels.");
            }

            if ((long)info.Width * info.Height > limits.MaxPixels)
            {
                throw new JobFailedException(ErrorCodes.TooManyPixels, string.Create(CultureInfo.InvariantCulture,
                    $"The image is {info.Width}x{info.Height} pixels, more than the limit of {limits.MaxPixels:N0}."));
            }

            return codec;
        }
        catch
        {
            codec.Dispose();
            throw;
        }
    }

    /// <summary>The magic numbers of the formats we accept.</summary>
    public static bool HasImageSignature(ReadOnlySpan<byte> bytes) =>
        bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF])
        || bytes.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A])
        || bytes.StartsWith("GIF8"u8)
        || bytes.StartsWith("BM"u8)
        || (bytes.Length >= 12 && bytes.StartsWith("RIFF"u8) && bytes[8..12].SequenceEqual("WEBP"u8));

    /// <summary>Decodes (first frame), keeping the colour space (so the ICC profile is written back) and alpha.</summary>
    /// <exception cref="JobFailedException">The data is truncated or corrupt.</exception>
    public static SKBitmap Decode(SKCodec codec)
    {
        var source = codec.Info;
        var alpha = source.AlphaType == SKAlphaType.Opaque ? SKAlphaType.Opaque : SKAlphaType.Premul;
        var info = new SKImageInfo(source.Width, source.Height, SKImageInfo.PlatformColorType, alpha, source.ColorSpace);
        var bitmap = new SKBitmap();
        if (!bitmap.TryAllocPixels(info))
        {
            bitmap.Dispose();
            throw new JobFailedException(ErrorCodes.TooManyPixels, "Not enough memory for the image's pixels.");
        }

        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result == SKCodecResult.Success)
        {
            return bitmap;
        }

        bitmap.Dispose();
        throw result == SKCodecResult.IncompleteInput
            ? new JobFailedException(ErrorCodes.TruncatedImage, "The image data is truncated (the file ends before the image does).")
            : new JobFailedException(ErrorCodes.CorruptImage, $"The image data is corrupt ({result}).");
    }

    /// <summary>Applies EXIF orientation, so the output is upright and has the oriented size. Returns the input when upright.</summary>
    public static SKBitmap Orient(SKBitmap bitmap, SKEncodedOrigin origin)
    {
        if (origin == SKEncodedOrigin.TopLeft)
        {
            return bitmap;
        }

        var swap = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        var info = swap ? bitmap.Info.WithSize(bitmap.Height, bitmap.Width) : bitmap.Info;
        var oriented = new SKBitmap(info);
        using var canvas = new SKCanvas(oriented);
        canvas.Clear(SKColors.Transparent);
        canvas.SetMatrix(OriginMatrix(origin, bitmap.Width, bitmap.Height));
        using var image = SKImage.FromBitmap(bitmap);
        canvas.DrawImage(image, 0, 0, SKSamplingOptions.Default);
        return oriented;
    }

    /// <summary>Maps the stored pixels to the upright image (the EXIF orientation's transform).</summary>
    public static SKMatrix OriginMatrix(SKEncodedOrigin origin, int w, int h) => origin switch
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
}
