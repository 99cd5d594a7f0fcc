using System.Diagnostics;
using System.Globalization;
using ImageJobs.Benchmarks;
using ImageJobs.Rendering;

if (args is ["pipeline", .. var pipelineArgs])
{
    return await PipelineBenchmark.RunAsync(pipelineArgs);
}

// Renders the same generated photographs with the same wrapped, outlined caption through our
// engine (one thread, then all cores) and through ImageMagick's `convert -annotate` (one process
// at a time, then one per core), in one run, and prints throughput, ratios and peak memory.
// Usage: ImageJobs.Benchmarks [count=200] [--width 1920] [--height 1080] [--dir /tmp/imagejobs-bench]
//        ImageJobs.Benchmarks pipeline ... (see PipelineBenchmark)
var count = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var n) ? n : 200;
var width = Option("--width", 1920);
var height = Option("--height", 1080);
var directory = args.SkipWhile(a => a != "--dir").Skip(1).FirstOrDefault() ?? Path.Combine(Path.GetTempPath(), "imagejobs-bench");
var cores = Environment.ProcessorCount;
var photos = new PhotoSet(directory, count, width, height);
var files = photos.Files;
var ours = Path.Combine(directory, "ours");
var magick = Path.Combine(directory, "magick");
Directory.CreateDirectory(ours);
Directory.CreateDirectory(magick);

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{count} photographs {width}x{height} JPEG, {cores} cores, caption with outline and wrapping, JPEG q85 out"));
using var fonts = new FontLibrary();
using var renderer = new ImageRenderer(fonts, new RenderLimits());
void RenderOne(int i) => File.WriteAllBytes(Path.Combine(ours, Path.GetFileName(files[i])), renderer.Render(File.ReadAllBytes(files[i]), PhotoSet.Caption, PhotoSet.Style).Data.ToArray());

for (var i = 0; i < Math.Min(3, count); i++)
{
    RenderOne(i); // warm-up: JIT, fonts, shapers
}

var imageMagick = new ImageMagick(renderer, PhotoSet.Caption, PhotoSet.Style, width, height);
Console.WriteLine(imageMagick.Describe());
Task Magick(int i) => imageMagick.ConvertAsync(files[i], Path.Combine(magick, Path.GetFileName(files[i])));

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
