using System.Diagnostics;
using System.Globalization;
using ImageJobs.Rendering;
using ImageJobs.Rendering.Imaging;
using NetVips;

namespace ImageJobs.Benchmarks;

/// <summary>
/// Where a captioned JPEG's extra bytes come from, and what the encoder's options save, at the
/// source's quality and subsampling: on the generated photographs and on any folder of real
/// JPEGs. For each source: the re-encode alone (the floor), the engine's result, the caption's
/// region encoded alone before and after drawing (the caption's own cost), and the engine's
/// drawn pixels (rendered losslessly to PNG) encoded again with libvips' other JPEG options,
/// with their encode time; and the engine's result for each of <see cref="PhotoSet.Captions"/>. Usage: ImageJobs.Benchmarks bytes [count=20] [--real DIR]...
/// </summary>
public static class BytesBenchmark
{
    private sealed record Variant(string Name, Func<Image, int, bool, bool, byte[]> Encode)
    {
        public List<double> Ratios { get; } = [];

        public TimeSpan Cpu { get; set; }
    }

    public static int Run(string[] args)
    {
        var count = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var n) ? n : 20;
        var photos = new PhotoSet(Path.Combine(Path.GetTempPath(), "imagejobs-bench"), count, 1920, 1080);
        var sets = new List<(string Name, string[] Files)> { ("generated 1920x1080", [.. photos.Files]) };
        foreach (var dir in args.Select((a, i) => (a, i)).Where(p => p.a == "--real").Select(p => args[p.i + 1]))
        {
            sets.Add((dir, Directory.EnumerateFiles(dir, "*.jp*g", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray()));
        }

        using var fonts = new FontLibrary();
        using var renderer = new ImageRenderer(fonts, new RenderLimits { CodecThreads = 1 });
        Console.WriteLine($"Load average at start {ProcFiles.LoadAverage()}; caption and style of the renderer benchmark, JPEG at the source's quality and subsampling.");
        foreach (var (name, files) in sets)
        {
            Measure(name, files, renderer);
        }

        Console.WriteLine($"Load average at end {ProcFiles.LoadAverage()}.");
        return 0;
    }

    private static void Measure(string name, string[] files, ImageRenderer renderer)
    {
        Variant[] variants =
        [
            new("libvips default (the engine's settings)", (i, q, sub, prog) => Save(i, q, sub, prog)),
            new("+ optimize_coding", (i, q, sub, prog) => Save(i, q, sub, prog, optimize: true)),
            new("+ trellis_quant", (i, q, sub, prog) => Save(i, q, sub, prog, trellis: true)),
            new("+ optimize_coding + trellis_quant", (i, q, sub, prog) => Save(i, q, sub, prog, optimize: true, trellis: true)),
            new("progressive + optimize_scans + optimize_coding", (i, q, sub, _) => Save(i, q, sub, true, optimize: true, scans: true)),
        ];
        var (floor, engine, regionShare) = (new List<double>(), new List<double>(), new List<double>());
        var byCaption = PhotoSet.Captions.Select(_ => new List<double>()).ToArray();
        Console.WriteLine();
        Console.WriteLine($"## {name}: {files.Length} JPEGs");
        Console.WriteLine("| source | size | quality | subsampling | KiB | re-encode | engine | caption region before -> after (KiB) | region's share of the growth |");
        Console.WriteLine("|---|---|---:|---|---:|---:|---:|---:|---:|");
        var drawnStyle = PhotoSet.Style with { Output = new OutputStyle { Format = OutputFormat.Png } };
        foreach (var file in files)
        {
            var source = File.ReadAllBytes(file);
            using var opened = SourceImage.Open(source, new RenderLimits());
            var traits = opened.Jpeg!;
            var quality = traits.Quality ?? OutputStyle.FallbackQuality;
            var (width, height) = (opened.Image.Width, opened.Image.Height);
            var reencoded = Save(opened.Image, quality, traits.Subsampled, traits.Progressive).Length;
            // The last caption is PhotoSet.Caption, whose region is measured below.
            var results = PhotoSet.Captions.Select(c => renderer.Render(source, c.Text, c.Style).Data.Length).ToArray();
            var result = results[^1];
            // Decoded to memory first, so the variants' encode times hold no PNG decode.
            using var png = Image.NewFromBuffer(renderer.Render(source, PhotoSet.Caption, drawnStyle).Data.ToArray());
            using var drawn = png.CopyMemory();
            using var upright = Image.NewFromBuffer(source).Autorot();

            // The caption's region (whole MCU rows and columns), encoded alone before and after drawing.
            var extent = renderer.Extent(PhotoSet.Caption, PhotoSet.Style, width, height);
            var (left, top) = ((int)extent.Left / 16 * 16, (int)extent.Top / 16 * 16);
            var (right, bottom) = (Math.Min(width, ((int)Math.Ceiling(extent.Right) + 15) / 16 * 16), Math.Min(height, ((int)Math.Ceiling(extent.Bottom) + 15) / 16 * 16));
            using var before = upright.Crop(left, top, right - left, bottom - top);
            using var after = drawn.Crop(left, top, right - left, bottom - top);
            var regionBefore = Save(before, quality, traits.Subsampled, traits.Progressive, keep: Enums.ForeignKeep.None).Length;
            var regionAfter = Save(after, quality, traits.Subsampled, traits.Progressive, keep: Enums.ForeignKeep.None).Length;

            floor.Add((double)reencoded / source.Length);
            for (var c = 0; c < byCaption.Length; c++)
            {
                byCaption[c].Add((double)results[c] / source.Length);
            }

            engine.Add((double)result / source.Length);
            var share = result > reencoded ? (double)(regionAfter - regionBefore) / (result - reencoded) : double.NaN;
            regionShare.Add(share);
            foreach (var variant in variants)
            {
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                variant.Ratios.Add((double)variant.Encode(drawn, quality, traits.Subsampled, traits.Progressive).Length / source.Length);
                variant.Cpu += Process.GetCurrentProcess().TotalProcessorTime - cpu;
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {Path.GetFileName(file)} | {width}x{height} | {traits.Quality?.ToString(CultureInfo.InvariantCulture) ?? "?"} | {(traits.Subsampled ? "4:2:0" : "4:4:4")}{(traits.Progressive ? " progressive" : "")} | {source.Length / 1024.0:0} | {floor[^1]:0.00} | {engine[^1]:0.00} | {regionBefore / 1024.0:0} -> {regionAfter / 1024.0:0} | {share:0.00} |"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"median: re-encode {Median(floor):0.00}, engine {Median(engine):0.00} (max {engine.Max():0.00}), region's share of the growth {Median(regionShare):0.00}"));
        Console.WriteLine();
        Console.WriteLine("| the engine's result with | result / source bytes, median | max |");
        Console.WriteLine("|---|---:|---:|");
        for (var c = 0; c < byCaption.Length; c++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {PhotoSet.Captions[c].Name} | {Median(byCaption[c]):0.000} | {byCaption[c].Max():0.000} |"));
        }

        Console.WriteLine();
        Console.WriteLine("| the engine's drawn pixels encoded with | result / source bytes, median | max | encode CPU ms per megapixel |");
        Console.WriteLine("|---|---:|---:|---:|");
        var megapixels = files.Sum(f => { using var i = Image.NewFromFile(f); return i.Width * (double)i.Height / 1e6; });
        foreach (var variant in variants)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {variant.Name} | {Median(variant.Ratios):0.000} | {variant.Ratios.Max():0.000} | {variant.Cpu.TotalMilliseconds / megapixels:0.0} |"));
        }
    }

    private static byte[] Save(Image image, int quality, bool subsampled, bool progressive, bool optimize = false, bool trellis = false, bool scans = false,
        Enums.ForeignKeep keep = Enums.ForeignKeep.All) =>
        image.JpegsaveBuffer(q: quality, subsampleMode: subsampled ? Enums.ForeignSubsample.On : Enums.ForeignSubsample.Off, interlace: progressive,
            optimizeCoding: optimize, trellisQuant: trellis, optimizeScans: scans, keep: keep);

    private static double Median(List<double> values) => Medians.Of(values.Where(v => !double.IsNaN(v))) ?? double.NaN;
}
