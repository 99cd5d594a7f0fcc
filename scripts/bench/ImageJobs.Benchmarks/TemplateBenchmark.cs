using System.Diagnostics;
using System.Globalization;
using ImageJobs.Rendering;
using ImageJobs.Rendering.Templates;
using SkiaSharp;

namespace ImageJobs.Benchmarks;

/// <summary>
/// The engine's time per image for a five-layer template (band, name, rich price, logo, QR code)
/// against one caption (PhotoSet's), on the same full-HD photographs, one thread, the two taking
/// turns (ABBA) so load from other processes falls on both alike; best of the rounds, wall and CPU.
/// Usage: ImageJobs.Benchmarks templates [count=100] [--rounds 4]
/// </summary>
public static class TemplateBenchmark
{
    private static TextBoxStyle Percent(double x, double y, double width, double height) =>
        new() { Unit = BoxUnit.Percent, X = x, Y = y, Width = width, Height = height };

    public static Template FiveLayers(int i) => new()
    {
        Layers =
        [
            new ShapeLayer { Name = "band", Box = Percent(0, 70, 100, 30), Fill = "#10203099" },
            new TextLayer { Name = "name", Box = Percent(4, 72, 60, 12), Text = $"Espresso cup, stoneware, no. {i}", Style = new TextStyle { Anchor = Anchor.MiddleLeft, Align = TextAlignment.Left, OutlineRatio = 0 } },
            new TextLayer { Name = "price", Box = Percent(4, 85, 60, 12), Text = $"[s][size=0.6]${i % 90 + 10}.00[/size][/s] [b][color=#FFD700]${i % 90 + 5}.50[/color][/b]", Style = new TextStyle { Anchor = Anchor.MiddleLeft, Align = TextAlignment.Left } },
            new ImageLayer { Name = "logo", Box = Percent(2, 2, 14, 14), ImageName = "logo.png", Anchor = Anchor.TopLeft },
            new QrLayer { Name = "qr", Box = Percent(80, 72, 18, 26), Value = $"https://example.org/p/{i:D6}", Anchor = Anchor.MiddleRight },
        ],
        Output = new OutputStyle { Format = OutputFormat.Jpeg },
    };

    public static int Run(string[] args)
    {
        var count = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var n) ? n : 100;
        var rounds = args.SkipWhile(a => a != "--rounds").Skip(1).FirstOrDefault() is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : 4;
        var sources = Enumerable.Range(0, count).Select(i => Photographs.Jpeg(i, 1920, 1080)).ToArray();
        var images = new Dictionary<string, ReadOnlyMemory<byte>> { ["logo.png"] = Logo() };
        var templates = Enumerable.Range(0, count).Select(FiveLayers).ToArray();

        using var fonts = new FontLibrary();
        using var renderer = new ImageRenderer(fonts, new RenderLimits());
        var caption = () => { foreach (var source in sources) renderer.Render(source, PhotoSet.Caption, PhotoSet.Style); };
        var layered = () => { for (var i = 0; i < count; i++) renderer.Render(sources[i], templates[i], images); };
        caption(); // warm-up: JIT, fonts, shapers, libvips
        layered();

        var best = new Dictionary<string, (TimeSpan Wall, TimeSpan Cpu)> { ["caption"] = (TimeSpan.MaxValue, TimeSpan.MaxValue), ["five layers"] = (TimeSpan.MaxValue, TimeSpan.MaxValue) };
        for (var round = 0; round < rounds; round++)
        {
            var order = round % 2 == 0 ? new[] { "caption", "five layers", "five layers", "caption" } : ["five layers", "caption", "caption", "five layers"];
            foreach (var name in order)
            {
                var (wall, cpu) = Measure(name == "caption" ? caption : layered);
                var (bestWall, bestCpu) = best[name];
                best[name] = (wall < bestWall ? wall : bestWall, cpu < bestCpu ? cpu : bestCpu);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {round + 1} {name}: {wall.TotalMilliseconds / count:0.00} ms/image wall, {cpu.TotalMilliseconds / count:0.00} ms/image CPU"));
            }
        }

        var (captionWall, captionCpu) = best["caption"];
        var (layersWall, layersCpu) = best["five layers"];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"templates best of {rounds * 2} runs each, {count} 1920x1080 JPEGs, one thread: one caption {captionWall.TotalMilliseconds / count:0.00} ms/image wall ({captionCpu.TotalMilliseconds / count:0.00} CPU), "
            + $"five layers {layersWall.TotalMilliseconds / count:0.00} ms/image wall ({layersCpu.TotalMilliseconds / count:0.00} CPU), ratio {layersWall / captionWall:0.00} wall, {layersCpu / captionCpu:0.00} CPU; "
            + $"load average {File.ReadAllText("/proc/loadavg").Trim()}"));
        return 0;
    }

    internal static (TimeSpan Wall, TimeSpan Cpu) Measure(Action work)
    {
        // CPU time as well as wall time: on a shared machine the wall clock mostly measures the other processes.
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        work();
        var wall = watch.Elapsed;
        process.Refresh();
        return (wall, process.TotalProcessorTime - cpuBefore);
    }

    /// <summary>A 400x300 PNG logo with transparency, drawn in code.</summary>
    internal static byte[] Logo()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(400, 300, SKColorType.Rgba8888, SKAlphaType.Premul));
        bitmap.Erase(SKColors.Transparent);
        using (var canvas = new SKCanvas(bitmap))
        using (var paint = new SKPaint { IsAntialias = true, Color = new SKColor(220, 60, 40) })
        {
            canvas.DrawCircle(130, 150, 110, paint);
            paint.Color = new SKColor(30, 120, 200);
            canvas.DrawRect(260, 50, 110, 200, paint);
        }

        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
