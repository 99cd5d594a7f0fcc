using System.Diagnostics;
using System.Globalization;
using ImageJobs.Rendering;

namespace ImageJobs.Benchmarks;

/// <summary>
/// Lays out captions (ImageRenderer.Compose: analysis, shaping, wrapping, fitting, the final
/// shaping; no image) on one thread and prints the time per caption. Only public API, so the same
/// file measures another commit's engine: copy it into a checkout of that commit and run both.
/// Usage: ImageJobs.Benchmarks layout [count=40000] [--rounds 3]
/// </summary>
public static class LayoutBenchmark
{
    /// <summary>Captions of the scripts the engine serves, Latin first as in most jobs; a number makes each text differ.</summary>
    private static readonly string[] Templates =
    [
        "Sunset over the old harbour, summer 2026: the fishing boats come home while the lighthouse keeps watch",
        "Happy birthday, Ada!",
        "Certificate of Achievement awarded to {0} for outstanding work in the spring term",
        "Sale: 50% off everything until Sunday, order {0}",
        "Golden hour\nover the bay",
        "مرحبا بالعالم، السعر ١٢٥ ريال للطلب {0}",
        "שלום עולם: המחיר ₪120.50 בלבד ({0})",
        "你好世界，日本語のテキスト。한국어 {0}",
        "ภาษาไทยเป็นภาษาที่มีความสวยงามและมีประวัติศาสตร์ยาวนาน {0}",
        "नमस्ते दुनिया, आज का दिन शुभ हो {0}",
        "Party time 😀🎉👍🏽 see you at 8",
        "Total: السعر ١٢٥ today, or 大减价 tomorrow",
    ];

    public static int Run(string[] args)
    {
        var count = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var n) ? n : 40_000;
        var rounds = args.SkipWhile(a => a != "--rounds").Skip(1).FirstOrDefault() is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : 3;
        var captions = Enumerable.Range(0, count).Select(i => string.Format(CultureInfo.InvariantCulture, Templates[i % Templates.Length], i)).ToArray();
        var style = new TextStyle { Box = new TextBoxStyle { X = 10, Width = 80 } };

        using var fonts = new FontLibrary();
        using var renderer = new ImageRenderer(fonts, new RenderLimits());
        var lines = 0L;
        foreach (var caption in captions.Take(Math.Min(count, 2_000)))
        {
            lines += renderer.Compose(caption, style, 1920, 1080).Lines.Count; // warm-up: JIT, fonts, shapers, ICU
        }

        // CPU time as well as wall time: on a shared machine the wall clock mostly measures the other processes.
        var (best, bestCpu) = (TimeSpan.MaxValue, TimeSpan.MaxValue);
        using var process = Process.GetCurrentProcess();
        for (var round = 0; round < rounds; round++)
        {
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            foreach (var caption in captions)
            {
                lines += renderer.Compose(caption, style, 1920, 1080).Lines.Count;
            }

            var elapsed = watch.Elapsed;
            process.Refresh();
            var cpu = process.TotalProcessorTime - cpuBefore;
            (best, bestCpu) = (elapsed < best ? elapsed : best, cpu < bestCpu ? cpu : bestCpu);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round + 1}: {count} captions in {elapsed.TotalSeconds:0.000} s wall, {cpu.TotalSeconds:0.000} s CPU"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"layout best of {rounds}: {count} captions, {best.TotalMicroseconds / count:0.0} us/caption wall, {bestCpu.TotalMicroseconds / count:0.0} us/caption CPU ({lines} lines laid in all); load average {File.ReadAllText("/proc/loadavg").Trim()}"));
        return 0;
    }
}
