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

// The four runs take turns on slices of the set, so load from other processes on a shared
// machine falls on all of them alike rather than on whichever happened to run then.
var rounds = Math.Clamp(count / 25, 1, 8);
var runs = new (string Name, int Threads, Action<int> One)[]
{
    ("ImageJobs engine, 1 thread", 1, RenderOne),
    ($"ImageJobs engine, {cores} threads", cores, RenderOne),
    ("ImageMagick convert, 1 at a time", 1, i => Magick(i).GetAwaiter().GetResult()),
    ($"ImageMagick convert, {cores} in parallel", cores, i => Magick(i).GetAwaiter().GetResult()),
};
var elapsed = new TimeSpan[runs.Length];
var peakGrowth = new long[runs.Length];
for (var round = 0; round < rounds; round++)
{
    var (from, to) = (round * count / rounds, (round + 1) * count / rounds);
    for (var r = 0; r < runs.Length; r++)
    {
        var run = runs[r];
        var before = ProcessMemory.Settle();
        ProcessMemory.ResetPeak();
        var watch = Stopwatch.StartNew();
        Parallel.For(from, to, new ParallelOptions { MaxDegreeOfParallelism = run.Threads }, run.One);
        elapsed[r] += watch.Elapsed;
        peakGrowth[r] = Math.Max(peakGrowth[r], ProcessMemory.Peak() - before);
    }
}

var magickPeak = ProcessMemory.LargestChildPeak();
var oneThread = Rate(0);
var allCores = Rate(1);
var magickOne = Rate(2);
var magickAll = Rate(3);

Console.WriteLine();
Console.WriteLine("| run | images/s | ms/image | peak memory per image |");
Console.WriteLine("|---|---:|---:|---:|");
Row(0, peakGrowth[0]);
Row(1, peakGrowth[1] / cores);
Row(2, magickPeak);
Row(3, magickPeak);
Console.WriteLine();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"engine / ImageMagick, one at a time: {oneThread / magickOne:0.00}x"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"engine / ImageMagick, all cores:     {allCores / magickAll:0.00}x (target >= 2x)"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Runs interleaved in {rounds} rounds. Engine memory: the largest growth of this process's peak RSS over its settled RSS in a round (divided by threads); ImageMagick: the largest convert's peak RSS."));
Console.WriteLine($"Outputs: {ours} and {magick}");
return 0;

double Rate(int run) => count / elapsed[run].TotalSeconds;

void Row(int run, long peakBytes) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"| {runs[run].Name} | {Rate(run):0.0} | {elapsed[run].TotalMilliseconds / count:0.0} | {peakBytes / (1024.0 * 1024):0.0} MiB |"));

int Option(string name, int fallback) =>
    args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() is { } value && int.TryParse(value, CultureInfo.InvariantCulture, out var parsed) ? parsed : fallback;

static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
