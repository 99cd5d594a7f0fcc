using SkiaSharp;
using ZXing;
using ZXing.Common;

namespace ImageJobs.Tests.Support;

/// <summary>ZXing's reader over a rendered image (or one area of it): what a phone's scanner would read.</summary>
public static class CodeReader
{
    /// <param name="pure">The area holds the code and its quiet zone only: read its grid without looking for it first
    /// (ZXing's finder-pattern detector misses a few valid QR codes its grid reader reads).</param>
    public static Result Read(SKBitmap image, BarcodeFormat format, SKRectI? area = null, bool pure = false)
    {
        using var part = new SKBitmap();
        var source = image;
        if (area is { } inside)
        {
            Assert.True(image.ExtractSubset(part, inside), $"{inside} is not inside the {image.Width}x{image.Height} image");
            source = part;
        }

        using var rgba = source.Copy(SKColorType.Rgba8888);
        var reader = new BarcodeReaderGeneric { Options = new DecodingOptions { PossibleFormats = [format], TryHarder = true, PureBarcode = pure, CharacterSet = "UTF-8" } };
        var result = reader.Decode(rgba.Bytes, rgba.Width, rgba.Height, RGBLuminanceSource.BitmapFormat.RGBA32);
        Assert.True(result is not null, $"ZXing read no {format} in the {rgba.Width}x{rgba.Height} image.");
        return result!;
    }
}
