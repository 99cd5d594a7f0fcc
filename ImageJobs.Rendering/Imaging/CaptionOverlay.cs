using NetVips;
using SkiaSharp;

namespace ImageJobs.Rendering.Imaging;

/// <summary>
/// Puts a caption drawn by Skia (only the region it covers) onto a lazy libvips image, staying
/// in one sequential pipeline: the region is cropped out of the image, blended with the
/// caption, and inserted back, so every other pixel goes from decoder to encoder untouched.
/// </summary>
public static class CaptionOverlay
{
    /// <summary>The image in a colour space a caption can be blended into: sRGB (8-bit) or RGB16, alpha kept.</summary>
    public static Image Drawable(Image image) => image.Interpretation switch
    {
        Enums.Interpretation.Srgb or Enums.Interpretation.Rgb16 when image.Bands is 3 or 4 => image.Copy(),
        Enums.Interpretation.Grey16 or Enums.Interpretation.Rgb16 => image.Colourspace(Enums.Interpretation.Rgb16),
        _ => image.Colourspace(Enums.Interpretation.Srgb),
    };

    /// <summary>
    /// Premultiplied RGBA8 (what Skia draws) to straight colour, in place, for libvips' blends.
    /// Only partly covered pixels change: most of a caption's region is empty or fully covered.
    /// (Skia's own conversion, a pixmap read, cost about as much as the blend itself.)
    /// </summary>
    public static void Straighten(SKPixmap rgba)
    {
        var pixels = rgba.GetPixelSpan<uint>();
        for (var i = 0; i < pixels.Length; i++)
        {
            var pixel = pixels[i];
            var alpha = pixel >> 24;
            if (alpha is 0 or 255)
            {
                continue;
            }

            var half = alpha / 2;
            var r = (((pixel & 0xFF) * 255) + half) / alpha;
            var g = ((((pixel >> 8) & 0xFF) * 255) + half) / alpha;
            var b = ((((pixel >> 16) & 0xFF) * 255) + half) / alpha;
            pixels[i] = (alpha << 24) | (Math.Min(b, 255) << 16) | (Math.Min(g, 255) << 8) | Math.Min(r, 255);
        }
    }

    /// <summary>Blends <paramref name="caption"/> (straight RGBA, see <see cref="Straighten"/>, drawn for the region at x, y) over <paramref name="image"/> (from <see cref="Drawable"/>).</summary>
    public static Image Blend(Image image, SKBitmap caption, int x, int y)
    {
        using var overlay = Image.NewFromMemoryCopy(caption.GetPixels(), (ulong)caption.ByteCount, caption.Width, caption.Height, 4, Enums.BandFormat.Uchar);
        using var band = image.Crop(x, y, caption.Width, caption.Height);
        var deep = image.Format == Enums.BandFormat.Ushort;
        using var blended = image.HasAlpha() ? Over(band, overlay, deep) : Mix(band, overlay, deep);
        return image.Insert(blended, x, y);
    }

    /// <summary>Opaque image: out = a * caption + (1 - a) * image, libvips' integer ifthenelse blend.</summary>
    private static Image Mix(Image band, Image overlay, bool deep)
    {
        using var alpha = overlay.ExtractBand(3);
        using var rgb = overlay.ExtractBand(0, 3);
        using var colour = deep ? Deepen(rgb) : rgb.Copy();
        return alpha.Ifthenelse(colour, band, blend: true);
    }

    /// <summary>Image with alpha: Porter-Duff over (libvips composite), on the region only.</summary>
    private static Image Over(Image band, Image overlay, bool deep)
    {
        using var deepened = deep ? Deepen(overlay) : overlay.Copy();
        using var tagged = deepened.Copy(interpretation: deep ? Enums.Interpretation.Rgb16 : Enums.Interpretation.Srgb);
        using var composed = band.Composite2(tagged, Enums.BlendMode.Over);
        return composed.Cast(band.Format);
    }

    private static Image Deepen(Image eightBit)
    {
        using var scaled = eightBit.Linear([257.0], [0.0]);
        return scaled.Cast(Enums.BandFormat.Ushort);
    }
}
