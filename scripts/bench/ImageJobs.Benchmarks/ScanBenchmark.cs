using System.Globalization;
using ImageJobs.Rendering.Imaging.Jpeg;

namespace ImageJobs.Benchmarks;

/// <summary>
/// The scan rewriter (issue 18's prefix copy) against libjpeg-turbo's whole-image lossless
/// transform, on PhotoSet's photographs, one thread, the variants taking turns (ABC CBA) so load
/// from other processes falls on all alike; best of the rounds, wall and CPU ms per image, and
/// result bytes / source bytes. Every edit is the identity, so every rewrite must give the
/// source's bytes back (checked). Usage: ImageJobs.Benchmarks scan [count=30] [--width 1920] [--height 1080] [--rounds 4] [--real DIR]
/// (--real: every JPEG under DIR rewritten back to its own bytes, or refused with its reason).
/// </summary>
public static class ScanBenchmark
{
    private static readonly BlockRowEdit Unchanged = (_, _, _) => { };

    public static int Run(string[] args)
    {
        var count = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var n) ? n : 30;
        var width = Option(args, "--width", 1920);
        var height = Option(args, "--height", 1080);
        var rounds = Option(args, "--rounds", 4);
        var photos = new PhotoSet(Path.Combine(Path.GetTempPath(), "imagejobs-bench"), count, width, height);
        var sources = photos.Files.Select(File.ReadAllBytes).ToArray();
        var layouts = sources.Select(s => ScanLayout.Read(s, out var failure) ?? throw new InvalidOperationException(failure!.ToString())).ToArray();
        (string Name, Func<int, byte[]> Run)[] variants =
        [
            ("tjTransform, whole image (TurboJPEG 2.1.5, identity customFilter)", i => Transform(sources[i])),
            ("scan rewriter, bottom 15% of MCU rows", i => Rewrite(sources[i], layouts[i], layouts[i].McuRows - (int)Math.Ceiling(layouts[i].McuRows * 0.15))),
            ("scan rewriter, last MCU row (the decode-only pass)", i => Rewrite(sources[i], layouts[i], layouts[i].McuRows - 1)),
            ("scan rewriter, whole image", i => Rewrite(sources[i], layouts[i], 0)),
        ];

        var bytes = new double[variants.Length];
        foreach (var (variant, v) in variants.Select((x, v) => (x, v)))
        {
            // Warm-up (JIT, library load) and the results' sizes.
            bytes[v] = Enumerable.Range(0, count).Sum(i => variant.Run(i).Length) / (double)sources.Sum(s => s.Length);
        }

        var identical = Enumerable.Range(0, count).Count(i => sources[i].AsSpan().SequenceEqual(variants[1].Run(i)));
        var best = variants.Select(_ => (Wall: TimeSpan.MaxValue, Cpu: TimeSpan.MaxValue)).ToArray();
        Console.WriteLine($"{count} photographs {width}x{height}, {sources.Average(s => s.Length) / 1024:0} KiB on average, {layouts[0].McuRows} MCU rows; load average {ProcFiles.LoadAverage()}");
        for (var round = 0; round < rounds; round++)
        {
            var order = Enumerable.Range(0, variants.Length).ToList();
            foreach (var v in order.Concat(Enumerable.Reverse(order)))
            {
                var (wall, cpu) = TemplateBenchmark.Measure(() =>
                {
                    for (var i = 0; i < count; i++)
                    {
                        variants[v].Run(i);
                    }
                });
                best[v] = (wall < best[v].Wall ? wall : best[v].Wall, cpu < best[v].Cpu ? cpu : best[v].Cpu);
            }
        }

        Console.WriteLine($"best of {rounds * 2} runs each, one thread; the rewriter's results identical to their sources: {identical} of {count}");
        Console.WriteLine("| what | ms/image wall | ms/image CPU | vs tjTransform (CPU) | result bytes / source |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        for (var v = 0; v < variants.Length; v++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {variants[v].Name} | {best[v].Wall.TotalMilliseconds / count:0.00} | {best[v].Cpu.TotalMilliseconds / count:0.00} | {best[0].Cpu / best[v].Cpu:0.00}x | {bytes[v]:0.0000} |"));
        }

        Console.WriteLine($"load average at end {ProcFiles.LoadAverage()}");
        var realOk = args.SkipWhile(a => a != "--real").Skip(1).FirstOrDefault() is not { } real || CheckReal(real);
        return identical == count && realOk ? 0 : 1;
    }

    /// <summary>Real JPEGs: each one refused with its reason, or rewritten (bottom 15%, a middle row) back to its own bytes.</summary>
    private static bool CheckReal(string directory)
    {
        var (identical, differing) = (0, 0);
        var refusals = new Dictionary<string, int>();
        foreach (var file in Directory.EnumerateFiles(directory, "*.jp*g", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var source = File.ReadAllBytes(file);
            var layout = ScanLayout.Read(source, out var failure);
            if (layout is null)
            {
                refusals[failure!.ToString()] = refusals.GetValueOrDefault(failure.ToString()) + 1;
                continue;
            }

            var rows = layout.McuRows;
            var same = new[] { rows - (int)Math.Ceiling(rows * 0.15), rows / 2 }.All(first =>
                JpegScanRewriter.Rewrite(source, layout, first, Math.Max(first + 1, rows * 9 / 10), Unchanged).Jpeg is { } result && source.AsSpan().SequenceEqual(result));
            (identical, differing) = same ? (identical + 1, differing) : (identical, differing + 1);
        }

        Console.WriteLine($"{directory}: {identical} rewritten to their own bytes, {differing} not; refused: "
            + string.Join("; ", refusals.Select(r => $"{r.Value} x {r.Key}")));
        return differing == 0;
    }

    /// <summary>The renderer's own lossless transform (the Blocks path's), every block row visited, none changed.</summary>
    private static byte[] Transform(byte[] source) =>
        TurboJpeg.Transform(TurboJpeg.Functions ?? throw new InvalidOperationException("no libturbojpeg"), source, 0, new Identity(), out var failure)
        ?? throw new InvalidOperationException(failure);

    private static byte[] Rewrite(byte[] source, ScanLayout layout, int first) =>
        JpegScanRewriter.Rewrite(source, layout, first, layout.McuRows, Unchanged).Jpeg ?? throw new InvalidOperationException("refused");

    private sealed class Identity : IBlockRowEdit
    {
        public string? Failure { get; set; }

        public void Edit(int component, int blockRow, Span<short> coefficients)
        {
        }
    }

    private static int Option(string[] args, string name, int fallback) =>
        args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;
}
