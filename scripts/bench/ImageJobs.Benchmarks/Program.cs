using System.Diagnostics;
using System.Globalization;
using ImageJobs.Benchmarks;
using ImageJobs.Worker.Rendering;

// Renders the same generated photographs with the same wrapped, outlined caption through our
// engine (one thread, then all cores) and through ImageMagick's `convert -annotate` (one process
// at a time, then one per core), in one run, and prints throughput, ratios and peak memory.
// Usage: ImageJobs.Benchmarks [count=200] [--width 1920] [--height 1080] [--dir /tmp/imagejobs-bench]
var count = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var n) ? n : 200;
var width = Option("--width", 1920);
var height = Option("--height", 1080);
var directory = args.SkipWhile(a => a != "--dir").Skip(1).FirstOrDefault() ?? Path.Combine(Path.GetTempPath(), "imagejobs-bench");
var cores = Environment.ProcessorCount;
var sources = Path.Combine(directory, "src");
var ours = Path.Combine(directory, "ours");
var magick = Path.Combine(directory, "magick");
foreach (var folder in new[] { sources, ours, magick })
{
    Directory.CreateDirectory(folder);
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{count} photographs {width}x{height} JPEG, {cores} cores, caption with outline and wrapping, JPEG q85 out"));
var files = Enumerable.Range(0, count).Select(i => Path.Combine(sources, $"photo-{i:D4}-{width}x{height}.jpg")).ToArray();
Parallel.For(0, count, i =>
{
    if (!File.Exists(files[i]))
    {
        File.WriteAllBytes(files[i], Photographs.Jpeg(i, width, height));
    }
});

const string Caption = "Sunset over the old harbour, summer 2026: the fishing boats come home while the lighthouse keeps watch";
var style = new TextStyle
{
    FontSizeRatio = 0.06,
    OutlineRatio = 0.1,
    Box = new TextBoxStyle { X = 10, Width = 80 },
    Output = new OutputStyle { Format = OutputFormat.Jpeg, Quality = 85 },
};
var effective = style.Over(TextStyle.Default);

using var fonts = new FontLibrary();
using var renderer = new ImageRenderer(fonts, new RenderLimits());
void RenderOne(int i) => File.WriteAllBytes(Path.Combine(ours, Path.GetFileName(files[i])), renderer.Render(File.ReadAllBytes(files[i]), Caption, style).Data.ToArray());

for (var i = 0; i < Math.Min(3, count); i++)
{
    RenderOne(i); // warm-up: JIT, fonts, shapers
}

var oneThread = Measure(() =>
{
    for (var i = 0; i < count; i++)
    {
        RenderOne(i);
    }
});
var allCores = Measure(() => Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = cores }, RenderOne));

// ImageMagick cannot wrap with -annotate: it gets our engine's line breaks, size and position.
var caption = renderer.Compose(Caption, style, width, height);
var text = string.Join('\n', caption.Lines);
var strokeWidth = (effective.OutlineRatio ?? 0) * caption.Size;
var fromBottom = height - caption.Bounds.Bottom;
var font = Path.Combine(AppContext.BaseDirectory, "Fonts", "DejaVu", "DejaVuSans-Bold.ttf");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"caption: {caption.Lines.Count} lines at {caption.Size:0.#} px, outline {strokeWidth:0.#} px"));

async Task Magick(int i)
{
    var start = new ProcessStartInfo("convert") { RedirectStandardError = true, UseShellExecute = false };
    // One thread per convert: the parallel run gives one process per core, and the sequential one compares with our single thread.
    start.Environment["MAGICK_THREAD_LIMIT"] = "1";
    foreach (var arg in (string[])[files[i], "-font", font, "-pointsize", F(caption.Size), "-gravity", "south",
        "-stroke", "black", "-strokewidth", F(strokeWidth), "-fill", "white", "-annotate", $"+0+{F(fromBottom)}", text,
        "-stroke", "none", "-annotate", $"+0+{F(fromBottom)}", text, "-quality", "85", Path.Combine(magick, Path.GetFileName(files[i]))])
    {
        start.ArgumentList.Add(arg);
    }

    using var process = Process.Start(start)!;
    var errors = await process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"convert failed: {errors}");
    }
}

await Magick(0); // warm-up: page cache
var magickOne = Measure(() =>
{
    for (var i = 0; i < count; i++)
    {
        Magick(i).GetAwaiter().GetResult();
    }
});
var magickAll = Measure(() => Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = cores }, async (i, _) => await Magick(i)).GetAwaiter().GetResult());
var magickPeak = ProcessMemory.LargestChildPeak();

Console.WriteLine();
Console.WriteLine("| run | images/s | ms/image | peak memory per image |");
Console.WriteLine("|---|---:|---:|---:|");
Row("ImageJobs engine, 1 thread", oneThread, oneThread.PeakGrowth);
Row($"ImageJobs engine, {cores} threads", allCores, allCores.PeakGrowth / cores);
Row("ImageMagick convert, 1 at a time", magickOne, magickPeak);
Row($"ImageMagick convert, {cores} in parallel", magickAll, magickPeak);
Console.WriteLine();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"engine / ImageMagick, one at a time: {oneThread.Rate / magickOne.Rate:0.00}x"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"engine / ImageMagick, all cores:     {allCores.Rate / magickAll.Rate:0.00}x (target >= 2x)"));
Console.WriteLine("Engine memory: this process's peak RSS during the run minus its settled RSS before it (divided by threads); ImageMagick: the largest convert's peak RSS.");
Console.WriteLine($"Outputs: {ours} and {magick}");
return 0;

Result Measure(Action run)
{
    var before = ProcessMemory.Settle();
    ProcessMemory.ResetPeak();
    var watch = Stopwatch.StartNew();
    run();
    watch.Stop();
    return new Result(count / watch.Elapsed.TotalSeconds, watch.Elapsed.TotalMilliseconds / count, ProcessMemory.Peak() - before);
}

void Row(string name, Result result, long peakBytes) =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {result.Rate:0.0} | {result.MillisecondsPerImage:0.0} | {peakBytes / (1024.0 * 1024):0.0} MiB |"));

int Option(string name, int fallback) =>
    args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() is { } value && int.TryParse(value, CultureInfo.InvariantCulture, out var parsed) ? parsed : fallback;

static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

/// <summary>Throughput of one run and how much the process's peak RSS grew during it.</summary>
internal readonly record struct Result(double Rate, double MillisecondsPerImage, long PeakGrowth);
