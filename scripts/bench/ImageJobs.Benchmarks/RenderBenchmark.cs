using System.Diagnostics;
using System.Globalization;
using ImageJobs.Rendering;

namespace ImageJobs.Benchmarks;

/// <summary>
/// The same generated photographs and caption through five runs, each on one thread and on all
/// cores, interleaved in rounds so load from other processes falls on all alike: the libvips codec
/// floor, a libvips text composite (as sharp or pyvips users write it), SkiaSharp's decode and
/// encode, the engine, and ImageMagick's <c>convert -annotate</c>. Prints images/s, CPU ms per
/// image, peak memory, ratios, and result bytes over source bytes, with the load average.
/// </summary>
public static class RenderBenchmark
{
    private sealed record Run(string Name, int Threads, Func<int, long> One, bool InProcess = true)
    {
        public TimeSpan Elapsed { get; set; }

        public TimeSpan Cpu { get; set; }

        public long PeakGrowth { get; set; }

        public long Bytes;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var count = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var n) ? n : 200;
        var width = Option(args, "--width", 1920);
        var height = Option(args, "--height", 1080);
        var directory = args.SkipWhile(a => a != "--dir").Skip(1).FirstOrDefault() ?? Path.Combine(Path.GetTempPath(), "imagejobs-bench");
        var cores = Environment.ProcessorCount;
        var photos = new PhotoSet(directory, count, width, height);
        var sources = photos.Files.Select(File.ReadAllBytes).ToArray();
        var magickOut = Path.Combine(directory, "magick");
        var ours = Path.Combine(directory, "ours");
        Directory.CreateDirectory(magickOut);
        Directory.CreateDirectory(ours);
        var loadAtStart = ProcFiles.LoadAverage();

        // One libvips thread per render: the all-cores runs get their parallelism from renders side by side.
        var limits = new RenderLimits { CodecThreads = 1 };
        using var fonts = new FontLibrary();
        using var renderer = new ImageRenderer(fonts, limits);
        var caption = renderer.Compose(PhotoSet.Caption, PhotoSet.Style, width, height);
        var baselines = new CodecBaselines(caption, PhotoSet.Style, width);
        var imageMagick = new ImageMagick(renderer, PhotoSet.Caption, PhotoSet.Style, width, height);
        var engineOut = new long[count];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{count} photographs {width}x{height} JPEG ({sources.Average(s => s.Length) / 1024:0} KiB on average), {cores} cores, load average {loadAtStart}"));
        Console.WriteLine(imageMagick.Describe() + "; JPEG out at the source's quality and subsampling (every run)");

        long Engine(int i)
        {
            var data = renderer.Render(sources[i], PhotoSet.Caption, PhotoSet.Style).Data;
            engineOut[i] = data.Length;
            if (i % 50 == 0)
            {
                File.WriteAllBytes(Path.Combine(ours, Path.GetFileName(photos.Files[i])), data.ToArray());
            }

            return data.Length;
        }

        long Magick(int i)
        {
            var target = Path.Combine(magickOut, Path.GetFileName(photos.Files[i]));
            imageMagick.ConvertAsync(photos.Files[i], target).GetAwaiter().GetResult();
            return new FileInfo(target).Length;
        }

        var kinds = new (string Name, Func<int, long> One, bool InProcess)[]
        {
            ("libvips codec floor (decode + encode)", i => baselines.LibvipsFloor(sources[i], limits).Length, true),
            ("libvips text + composite + encode", i => baselines.LibvipsText(sources[i]).Length, true),
            ("SkiaSharp decode + encode", i => CodecBaselines.Skia(sources[i]).Length, true),
            ("ImageJobs engine", Engine, true),
            ("ImageMagick convert -annotate", Magick, false),
        };
        var runs = kinds.SelectMany(k => new[] { new Run(k.Name + ", 1 thread", 1, k.One, k.InProcess), new Run(k.Name + $", {cores} threads", cores, k.One, k.InProcess) }).ToArray();
        foreach (var run in runs)
        {
            run.One(0); // warm-up: JIT, fonts, shapers, page cache
        }

        var rounds = Math.Clamp(count / 25, 1, 8);
        for (var round = 0; round < rounds; round++)
        {
            var (from, to) = (round * count / rounds, (round + 1) * count / rounds);
            foreach (var run in runs)
            {
                var before = ProcessMemory.Settle();
                ProcessMemory.ResetPeak();
                var cpu = run.InProcess ? Process.GetCurrentProcess().TotalProcessorTime : ProcessMemory.ChildrenCpu();
                var watch = Stopwatch.StartNew();
                Parallel.For(from, to, new ParallelOptions { MaxDegreeOfParallelism = run.Threads }, i => Interlocked.Add(ref run.Bytes, run.One(i)));
                run.Elapsed += watch.Elapsed;
                run.Cpu += (run.InProcess ? Process.GetCurrentProcess().TotalProcessorTime : ProcessMemory.ChildrenCpu()) - cpu;
                run.PeakGrowth = Math.Max(run.PeakGrowth, (ProcessMemory.Peak() - before) / run.Threads);
            }
        }

        var sourceBytes = (double)sources.Sum(s => (long)s.Length);
        Console.WriteLine();
        Console.WriteLine("| run | images/s | ms/image | CPU ms/image | peak memory per image | result / source bytes |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        var magickPeak = ProcessMemory.LargestChildPeak();
        foreach (var run in runs)
        {
            var memory = run.InProcess ? run.PeakGrowth : magickPeak;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {run.Name} | {Rate(run):0.0} | {run.Elapsed.TotalMilliseconds / count:0.0} | {run.Cpu.TotalMilliseconds / count:0.0} | {memory / (1024.0 * 1024):0.0} MiB | {run.Bytes / sourceBytes:0.00} |"));
        }

        var ratios = engineOut.Select((b, i) => (double)b / sources[i].Length).Order().ToArray();
        Console.WriteLine();
        Ratio("engine / libvips codec floor, 1 thread", runs[6], runs[0], ">= 0.8");
        Ratio($"engine / libvips codec floor, {cores} threads", runs[7], runs[1], "");
        Ratio("engine / libvips text composite, 1 thread", runs[6], runs[2], ">= 1.5");
        Ratio($"engine / libvips text composite, {cores} threads", runs[7], runs[3], ">= 1.5");
        Ratio("engine / SkiaSharp decode + encode, 1 thread", runs[6], runs[4], "");
        Ratio("engine / ImageMagick, 1 at a time", runs[6], runs[8], "");
        Ratio($"engine / ImageMagick, {cores} in parallel", runs[7], runs[9], ">= 4");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"engine result bytes / source bytes per image: median {ratios[ratios.Length / 2]:0.00}, max {ratios[^1]:0.00} (target <= 1.15)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Load average at start {loadAtStart}, at end {ProcFiles.LoadAverage()}. Runs interleaved in {rounds} rounds. CPU: this process's (libvips' threads included) or ImageMagick's children's. Memory: the largest growth of this process's peak RSS over its settled RSS in a round, per thread; ImageMagick: the largest convert's peak RSS."));
        Console.WriteLine($"Outputs (every 50th): {ours} and {magickOut}");
        await Task.CompletedTask;
        return 0;

        double Rate(Run run) => count / run.Elapsed.TotalSeconds;

        void Ratio(string name, Run engine, Run baseline, string target) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: {Rate(engine) / Rate(baseline):0.00}x{(target.Length > 0 ? $" (target {target})" : "")}"));
    }

    private static int Option(string[] args, string name, int fallback) =>
        args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() is { } value && int.TryParse(value, CultureInfo.InvariantCulture, out var parsed) ? parsed : fallback;
}
