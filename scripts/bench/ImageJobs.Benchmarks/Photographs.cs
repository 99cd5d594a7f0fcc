using SkiaSharp;

namespace ImageJobs.Benchmarks;

/// <summary>
/// Photograph-like JPEGs drawn in code: a sky-to-ground gradient, blurred out-of-focus
/// highlights and film grain, so they compress like photos (not like flat fills).
/// Deterministic per index.
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
            using (var sky = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(0, height),
                       [SKColor.FromHsl(hue, 60, 70), SKColor.FromHsl((hue + 30) % 360, 50, 45), SKColor.FromHsl((hue + 180) % 360, 40, 20)],
                       [0f, 0.55f, 1f], SKShaderTileMode.Clamp))
            using (var ground = new SKPaint { Shader = sky })
            {
                canvas.DrawPaint(ground);
            }

            // Out-of-focus highlights (bokeh): soft ovals of many sizes.
            using var blur = SKMaskFilter.CreateBlur(SKBlurStyle.Normal, height / 200f);
            using var highlight = new SKPaint { IsAntialias = true, MaskFilter = blur };
            for (var i = 0; i < 40; i++)
            {
                highlight.Color = SKColor.FromHsl(random.Next(360), 70, 55).WithAlpha((byte)random.Next(40, 160));
                var radius = random.Next(height / 30, height / 5);
                var centre = new SKPoint(random.Next(width), random.Next(height));
                canvas.DrawOval(centre, new SKSize(radius, radius * 0.9f), highlight);
            }

            using var noise = SKShader.CreatePerlinNoiseFractalNoise(0.02f + (index % 5 * 0.01f), 0.05f, 4, index);
            using var grain = new SKPaint { Shader = noise, BlendMode = SKBlendMode.Overlay };
            canvas.DrawPaint(grain);
        }

        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }
}
