using SkiaSharp;

namespace ImageJobs.Benchmarks;

/// <summary>
/// Photograph-like JPEGs drawn in code: gradients, soft shapes and fractal noise, so they
/// compress like photos (not like flat fills). Deterministic per index.
/// </summary>
public static class Photographs
{
    public static byte[] Jpeg(int index, int width, int height)
    {
        var random = new Random(index);
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(bitmap))
        {
            var hue = index * 37 % 360;
            using var gradient = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(width, height),
                [SKColor.FromHsl(hue, 60, 60), SKColor.FromHsl((hue + 120) % 360, 50, 25)], SKShaderTileMode.Clamp);
            using var paint = new SKPaint { Shader = gradient };
            canvas.DrawRect(0, 0, width, height, paint);

            using var shape = new SKPaint { IsAntialias = true };
            for (var i = 0; i < 40; i++)
            {
                shape.Color = SKColor.FromHsl(random.Next(360), 70, 55).WithAlpha((byte)random.Next(40, 160));
                canvas.DrawCircle(random.Next(width), random.Next(height), random.Next(height / 30, height / 5), shape);
            }

            using var noise = SKShader.CreatePerlinNoiseFractalNoise(0.02f + (index % 5 * 0.01f), 0.05f, 4, index);
            using var grain = new SKPaint { Shader = noise, BlendMode = SKBlendMode.Overlay };
            canvas.DrawRect(0, 0, width, height, grain);
        }

        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }
}
