using SkiaSharp;

namespace ImageJobs.Tests.Support;

/// <summary>Images made in code: distinct, deterministic, photograph-sized when asked.</summary>
public static class TestImages
{
    public static byte[] Jpeg(int seed, int width = 640, int height = 360) => Encode(seed, width, height, SKEncodedImageFormat.Jpeg);

    public static byte[] Png(int seed, int width = 320, int height = 200) => Encode(seed, width, height, SKEncodedImageFormat.Png);

    private static byte[] Encode(int seed, int width, int height, SKEncodedImageFormat format)
    {
        var random = new Random(seed);
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
            using var paint = new SKPaint { IsAntialias = true };
            for (var i = 0; i < 8; i++)
            {
                paint.Color = new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
                canvas.DrawCircle(random.Next(width), random.Next(height), random.Next(10, Math.Max(11, height / 3)), paint);
            }
        }

        using var data = bitmap.Encode(format, 90);
        return data.ToArray();
    }

    /// <summary>Fraction of pixels whose colour differs by more than <paramref name="threshold"/> in any channel.</summary>
    public static double DifferingFraction(SKBitmap a, SKBitmap b, int threshold = 40)
    {
        if (a.Width != b.Width || a.Height != b.Height)
        {
            return 1;
        }

        var differing = 0;
        for (var y = 0; y < a.Height; y += 2)
        {
            for (var x = 0; x < a.Width; x += 2)
            {
                var p = a.GetPixel(x, y);
                var q = b.GetPixel(x, y);
                if (Math.Abs(p.Red - q.Red) > threshold || Math.Abs(p.Green - q.Green) > threshold || Math.Abs(p.Blue - q.Blue) > threshold)
                {
                    differing++;
                }
            }
        }

        return differing / (double)((a.Width + 1) / 2 * ((a.Height + 1) / 2));
    }
}
