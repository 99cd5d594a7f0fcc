using SkiaSharp;

namespace ImageJobs.Producer.Demo;

/// <summary>
/// Sample photographs-to-be for the first run, drawn in code (so there is no licence to
/// track): a colour gradient with soft circles, different for every index.
/// </summary>
public static class SampleImages
{
    public static byte[] Jpeg(int index, int width = 1280, int height = 720)
    {
        var random = new Random(index);
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(bitmap))
        {
            var hue = index * 47 % 360;
            using var gradient = SKShader.CreateLinearGradient(
                new SKPoint(0, 0), new SKPoint(width, height),
                [SKColor.FromHsl(hue, 70, 55), SKColor.FromHsl((hue + 90) % 360, 60, 25)],
                SKShaderTileMode.Clamp);
            using var background = new SKPaint { Shader = gradient };
            canvas.DrawRect(0, 0, width, height, background);

            using var circle = new SKPaint { IsAntialias = true };
            for (var i = 0; i < 12; i++)
            {
                circle.Color = SKColor.FromHsl(random.Next(360), 80, 70).WithAlpha((byte)random.Next(40, 120));
                canvas.DrawCircle(random.Next(width), random.Next(height), random.Next(height / 20, height / 4), circle);
            }
        }

        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }
}
