using System.Globalization;
using ImageJobs.Rendering;
using NetVips;

namespace ImageJobs.Benchmarks;

/// <summary>
/// The Blocks path (only the blocks under the caption computed again, in the source's coefficients)
/// against the full path and the libvips codec floor, on the same generated photographs at two sizes,
/// with a corner label, a one-line bottom caption and PhotoSet's three-line one; one thread, the runs interleaved in
/// rounds (ABC, CBA, ...), best of the rounds, wall and CPU ms per image, result / source bytes, and how
/// many Blocks results copied the source's entropy-coded data before the caption. The generated
/// photographs carry optimised Huffman tables (Skia writes them); the same saved by libvips carry the
/// standard ones.
/// Usage: ImageJobs.Benchmarks blocks [count=30] [--rounds 3]
/// </summary>
public static class BlocksBenchmark
{
    public static int Run(string[] args)
    {
        var count = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var n) ? n : 30;
        var rounds = args.SkipWhile(a => a != "--rounds").Skip(1).FirstOrDefault() is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : 3;
        NetVips.NetVips.Concurrency = 1;
        using var fonts = new FontLibrary();
        using var renderer = new ImageRenderer(fonts, new RenderLimits());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"blocks: {count} generated photographs per size, one thread, {rounds} rounds, load average {File.ReadAllText("/proc/loadavg").Trim()}"));
        Console.WriteLine("| photographs | caption | run | ms/image | CPU ms/image | result / source bytes | floor / run (wall) | floor / run (CPU) |");
        Console.WriteLine("|---|---|---|---:|---:|---:|---:|---:|");
        foreach (var (width, height, standardTables) in new[] { (1920, 1080, false), (1920, 1080, true), (4000, 3000, false), (4000, 3000, true) })
        {
            var photos = new PhotoSet(Path.Combine(Path.GetTempPath(), "imagejobs-bench"), count, width, height);
            var sources = photos.Files.Select(File.ReadAllBytes).Select(s => standardTables ? Resaved(s) : s).ToArray();
            var set = string.Create(CultureInfo.InvariantCulture, $"{width}x{height} ({sources.Average(s => s.Length) / 1024:0} KiB{(standardTables ? ", standard tables" : "")})");
            var sourceBytes = (double)sources.Sum(s => (long)s.Length);
            foreach (var (name, text, style) in PhotoSet.Captions)
            {
                var baselines = new CodecBaselines(renderer.Compose(text, style, width, height), style, width);
                var runs = new (string Name, Func<byte[], byte[]> Render)[]
                {
                    ("libvips codec floor", s => baselines.LibvipsFloor(s, new RenderLimits())),
                    ("full path", s => Rendered(renderer.Render(s, text, With(style, RenderPath.Full)), RenderPath.Full)),
                    ("Blocks path", s => Rendered(renderer.Render(s, text, With(style, RenderPath.Blocks)), RenderPath.Blocks)),
                };
                var best = runs.ToDictionary(run => run.Name, _ => (Wall: TimeSpan.MaxValue, Cpu: TimeSpan.MaxValue, Bytes: 0L));
                var copied = sources.Count(s => Copied(s, runs[2].Render(s)));
                // Warm-up, a whole pass of every run: tiered JIT (the blend's loops start unoptimised), fonts, shapers.
                foreach (var run in runs)
                {
                    foreach (var source in sources)
                    {
                        run.Render(source);
                    }
                }

                for (var round = 0; round < rounds; round++)
                {
                    foreach (var run in round % 2 == 0 ? runs : runs.Reverse())
                    {
                        long bytes = 0;
                        var (wall, cpu) = TemplateBenchmark.Measure(() => { foreach (var source in sources) bytes += run.Render(source).Length; });
                        var previous = best[run.Name];
                        best[run.Name] = (wall < previous.Wall ? wall : previous.Wall, cpu < previous.Cpu ? cpu : previous.Cpu, bytes);
                    }
                }

                var floor = best["libvips codec floor"];
                foreach (var run in runs)
                {
                    var (wall, cpu, bytes) = best[run.Name];
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {set} | {name} | {run.Name}{(run.Name == "Blocks path" ? $" ({copied} of {count} copied)" : "")} | {wall.TotalMilliseconds / count:0.00} | {cpu.TotalMilliseconds / count:0.00} | {bytes / sourceBytes:0.000} | {floor.Wall / wall:0.00} | {floor.Cpu / cpu:0.00} |"));
                }
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"load average at the end {File.ReadAllText("/proc/loadavg").Trim()}"));
        return 0;
    }

    /// <summary>The photograph saved again by libvips at its own quality: libjpeg's standard Huffman tables, as most cameras and libraries write.</summary>
    private static byte[] Resaved(byte[] jpeg)
    {
        using var image = Image.NewFromBuffer(jpeg);
        return image.JpegsaveBuffer(q: Rendering.Imaging.JpegQuality.Estimate(jpeg) ?? 85, subsampleMode: Enums.ForeignSubsample.On);
    }

    /// <summary>Whether the result kept the source's entropy-coded data before the caption (rather than TurboJPEG coding it all again).</summary>
    private static bool Copied(byte[] source, byte[] result) =>
        source.AsSpan().CommonPrefixLength(result) > Rendering.Imaging.Jpeg.JpegHeader.Read(source).EntropyStart + 1024;

    private static TextStyle With(TextStyle style, RenderPath path) => style with { Output = (style.Output ?? new OutputStyle()) with { Path = path } };

    private static byte[] Rendered(RenderedImage image, RenderPath expected) =>
        image.Path == expected ? image.Data.ToArray() : throw new InvalidOperationException($"The render took the {image.Path} path: {image.FullPathReason}");
}
