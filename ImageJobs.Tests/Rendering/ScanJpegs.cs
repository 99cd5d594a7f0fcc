using NetVips;
using SkiaSharp;

namespace ImageJobs.Tests.Rendering;

/// <summary>Photograph-like baseline JPEGs for the scan rewriter, written by libvips (mozjpeg) or Skia (libjpeg-turbo, for 4:2:2).</summary>
public static class ScanJpegs
{
    public const string Yuv420 = "4:2:0";
    public const string Yuv422 = "4:2:2";
    public const string Yuv444 = "4:4:4";
    public const string Gray = "gray";

    /// <summary>Circles on a coloured ground with film grain: <paramref name="restartInterval"/> MCUs per interval (0: none); progressive only from libvips.</summary>
    public static byte[] Photo(string sampling, bool optimize = false, int restartInterval = 0, int width = 333, int height = 203, int seed = 7, bool progressive = false)
    {
        using var drawn = Image.NewFromBuffer(Support.TestImages.Jpeg(seed, width, height));
        using var grain = Image.Gaussnoise(width, height, mean: 0, sigma: 12, seed: seed);
        using var grainy = drawn.Add(grain).Cast(Enums.BandFormat.Uchar);
        if (sampling == Yuv422)
        {
            // libvips writes 4:2:0 or 4:4:4 only; Skia's libjpeg-turbo writes 4:2:2 (standard tables, no restarts).
            using var bitmap = SKBitmap.Decode(grainy.PngsaveBuffer());
            using var data = bitmap.PeekPixels()!.Encode(new SKJpegEncoderOptions(85, SKJpegEncoderDownsample.Downsample422, SKJpegEncoderAlphaOption.Ignore));
            return data!.ToArray();
        }

        using var image = sampling == Gray ? grainy.Colourspace(Enums.Interpretation.Bw) : grainy.Copy();
        return image.JpegsaveBuffer(q: 85, optimizeCoding: optimize, interlace: progressive, subsampleMode: sampling == Yuv444 ? Enums.ForeignSubsample.Off : Enums.ForeignSubsample.On,
            restartInterval: restartInterval, keep: Enums.ForeignKeep.None);
    }

    /// <summary>Decoded by libvips, refusing on any warning, to 8-bit pixels.</summary>
    public static (byte[] Pixels, int RowBytes) Decode(byte[] jpeg)
    {
        using var image = Image.NewFromBuffer(jpeg, failOn: Enums.FailOn.Warning);
        return (image.WriteToMemory<byte>(), image.Width * image.Bands);
    }
}
