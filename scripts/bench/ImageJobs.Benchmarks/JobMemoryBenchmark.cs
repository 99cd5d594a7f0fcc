using System.Diagnostics;
using System.Globalization;
using ImageJobs.Rendering;

namespace ImageJobs.Benchmarks;

/// <summary>
/// Mode `job-memory`: the peak memory of one job, each measured in a process of its own so no
/// job inherits another's garbage, arenas or caches: the child renders two warm-up jobs (JIT,
/// fonts, libvips' threads), collects garbage and trims malloc, resets its peak RSS (VmHWM), runs
/// the measured job on one thread and reports how far VmHWM rose above the settled RSS, with
/// libvips' own high-water mark of tracked memory. The engine against, in the same run and
/// interleaved, the libvips codec floor (decode + encode) and SkiaSharp's decode + encode.
/// Usage: job-memory [count=10] [--width 1920] [--height 1080] [--dir DIR]
/// </summary>
public static class JobMemoryBenchmark
{
    private const string ChildFlag = "--child";

    private static readonly string[] Kinds = ["engine", "libvips floor", "skia"];

    public static async Task<int> RunAsync(string[] args)
    {
        if (args is [ChildFlag, var childKind, var measured, var warmUp])
        {
            return Child(childKind, measured, warmUp);
        }

        var count = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var n) ? n : 10;
        var width = Option(args, "--width", 1920);
        var height = Option(args, "--height", 1080);
        var directory = args.SkipWhile(a => a != "--dir").Skip(1).FirstOrDefault() ?? Path.Combine(Path.GetTempPath(), "imagejobs-bench");
        var photos = new PhotoSet(directory, count + 1, width, height);
        var loadAtStart = ProcFiles.LoadAverage();
        Console.WriteLine($"{count} jobs {width}x{height} JPEG per kind, one process each, kinds interleaved; load average {loadAtStart}");

        var results = Kinds.ToDictionary(k => k, _ => new List<(long Rss, long Vips)>());
        for (var i = 1; i <= count; i++)
        {
            foreach (var kind in i % 2 == 0 ? Kinds : Kinds.Reverse())
            {
                results[kind].Add(await MeasureInChildAsync(kind, photos.Files[i], photos.Files[0]));
            }
        }

        Console.WriteLine();
        Console.WriteLine("| job | peak RSS growth, median | max | min | libvips tracked high-water, median |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var (kind, figures) in results)
        {
            var rss = figures.Select(f => f.Rss).Order().ToArray();
            var vips = figures.Select(f => f.Vips).Order().ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {kind} | {MiB(rss[rss.Length / 2])} | {MiB(rss[^1])} | {MiB(rss[0])} | {MiB(vips[vips.Length / 2])} |"));
        }

        Console.WriteLine($"Load average at start {loadAtStart}, at end {ProcFiles.LoadAverage()}. Each child ran with MALLOC_ARENA_MAX=2 and one libvips thread, as a worker does.");
        return 0;
    }

    private static string MiB(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.0} MiB");

    private static async Task<(long Rss, long Vips)> MeasureInChildAsync(string kind, string measured, string warmUp)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!, [Environment.GetCommandLineArgs()[0], "job-memory", ChildFlag, kind, measured, warmUp])
        {
            RedirectStandardOutput = true,
            // The worker's allocator setting (the AppHost's WithFewMallocArenas).
            Environment = { ["MALLOC_ARENA_MAX"] = "2" },
        };
        using var child = Process.Start(start)!;
        var output = await child.StandardOutput.ReadToEndAsync();
        await child.WaitForExitAsync();
        if (child.ExitCode != 0 || output.Trim().Split(' ') is not [var rss, var vips])
        {
            throw new InvalidOperationException($"The {kind} measurement of {measured} failed ({child.ExitCode}): {output}");
        }

        return (long.Parse(rss, CultureInfo.InvariantCulture), long.Parse(vips, CultureInfo.InvariantCulture));
    }

    /// <summary>In the child: warm up, settle, reset the peak, run the job once; prints the peak's growth and libvips' high-water mark, in bytes.</summary>
    private static int Child(string kind, string measured, string warmUp)
    {
        var limits = new RenderLimits { CodecThreads = 1 };
        using var fonts = new FontLibrary();
        using var renderer = new ImageRenderer(fonts, limits);
        var style = PhotoSet.Style;
        var warmUpBytes = File.ReadAllBytes(warmUp);
        var bytes = File.ReadAllBytes(measured);
        using var header = NetVips.Image.NewFromBuffer(bytes, access: NetVips.Enums.Access.Sequential);
        var baselines = new CodecBaselines(renderer.Compose(PhotoSet.Caption, style, header.Width, header.Height), style, header.Width);
        Func<byte[], int> job = kind switch
        {
            "engine" => source => renderer.Render(source, PhotoSet.Caption, style).Data.Length,
            "libvips floor" => source => baselines.LibvipsFloor(source, limits).Length,
            "skia" => source => CodecBaselines.Skia(source).Length,
            _ => throw new ArgumentException($"Unknown job kind '{kind}'.", nameof(kind)),
        };
        job(warmUpBytes);
        job(warmUpBytes);

        var settled = ProcessMemory.Settle();
        ProcessMemory.ResetPeak();
        var written = job(bytes);
        var growth = ProcessMemory.Peak() - settled;
        GC.KeepAlive(written);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{growth} {NetVips.Stats.MemHighwater}"));
        return 0;
    }

    private static int Option(string[] args, string name, int fallback) =>
        args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() is { } value && int.TryParse(value, CultureInfo.InvariantCulture, out var parsed) ? parsed : fallback;
}
