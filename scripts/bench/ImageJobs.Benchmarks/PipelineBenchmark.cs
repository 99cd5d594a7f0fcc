// Over 300 lines: the pipeline mode is one measured sequence (limit, rounds, long run, stage
// timings, CPU per process) that reads top to bottom as it runs; its helpers live beside it.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Azure.Storage.Blobs.Models;
using ImageJobs.Messaging;
using ImageJobs.Rendering;

namespace ImageJobs.Benchmarks;

/// <summary>
/// Mode `pipeline`: in one run, over the same photographs and caption, the engine alone on all
/// cores (the limit), the whole pipeline (the real AppHost: producer, RabbitMQ, Azurite, N
/// workers) from submit to the last outcome, and ImageMagick on all cores, interleaved in rounds;
/// then the producer's 40,000-job publish against a bare RabbitMQ.Client publisher, and a long
/// batch with each worker's resident memory sampled. Prints a table and writes it as the top of docs/PERFORMANCE.md.
/// Usage: pipeline [count=200] [--replicas 3] [--prefetch P] [--publish 40000] [--long N]
///   [--sweep 1,2,3,4 --sweep-prefetch 1,2] [--env NAME=VALUE]... [--producer-env NAME=VALUE]... [--apphost KEY=VALUE]... [--out docs/PERFORMANCE.md] [--dir DIR]
/// </summary>
public static class PipelineBenchmark
{
    private const string SourcePrefix = "bench/";

    public static async Task<int> RunAsync(string[] args)
    {
        var options = new Options(args);
        var cores = Environment.ProcessorCount;
        var loadAtStart = ProcFiles.LoadAverage();
        var report = new StringBuilder();
        void Line(string text = "")
        {
            Console.WriteLine(text);
            report.AppendLine(text);
        }

        var photos = new PhotoSet(options.Directory, options.Count, options.Width, options.Height);
        var bytes = photos.Files.Select(File.ReadAllBytes).ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{photos.Count} photographs {photos.Width}x{photos.Height} JPEG ({bytes.Average(b => b.Length) / 1024:0} KiB on average), {cores} cores, load {loadAtStart}"));

        using var fonts = new FontLibrary();
        using var renderer = new ImageRenderer(fonts, new RenderLimits());
        for (var i = 0; i < Math.Min(3, photos.Count); i++)
        {
            renderer.Render(bytes[i], PhotoSet.Caption, PhotoSet.Style); // warm-up: JIT, fonts, shapers
        }

        var magickOut = Path.Combine(options.Directory, "magick");
        Directory.CreateDirectory(magickOut);
        var imageMagick = new ImageMagick(renderer, PhotoSet.Caption, PhotoSet.Style, photos.Width, photos.Height);
        await imageMagick.ConvertAsync(photos.Files[0], Path.Combine(magickOut, "warm-up.jpg"));

        var sweep = options.Sweep.Count > 0 ? await SweepAsync(options, photos, bytes) : [];

        var environment = options.WorkerEnvironment();
        Console.WriteLine($"Starting the AppHost: {options.Replicas} workers, {Describe(environment)}");
        await using var pipeline = await RunningPipeline.StartAsync(options.Replicas, environment, options.ProducerEnvironment(), options.AppHostSettings());
        await UploadAsync(pipeline, bytes);

        // Publishing first, with the workers stopped; then the long run, which also brings the
        // services to their steady state (tiered JIT goes on for the first hundred-odd jobs of a
        // worker), so the timed rounds measure a warm pipeline, as in a 40,000-image batch.
        var publish = await PublishAsync(pipeline, options.Publish);
        var memory = await LongRunAsync(pipeline, photos.Count, options.LongRun);

        var stages = await StageTimings.MeasureAsync(pipeline.Blobs, renderer, bytes, Math.Min(photos.Count, 20));

        // The three runs take turns on slices of the set, so load from other processes on a shared
        // machine falls on all of them alike rather than on whichever happened to run then.
        // Rounds of 100 images or more: a smaller batch measures its fixed start and end (the last
        // jobs run on fewer workers than there are cores) more than the pipeline's throughput.
        var rounds = Math.Clamp(photos.Count / 100, 1, 5);
        var elapsed = new TimeSpan[3];
        var cpu = new Dictionary<string, double>();
        var cpuSys = new Dictionary<string, double>();
        var imagesSoFar = 0;
        var roundEnds = new List<TimeSpan>();
        var (engineCpu, engineSys) = (0.0, 0.0);
        double Rate(int run) => imagesSoFar / elapsed[run].TotalSeconds;
        for (var round = 0; round < rounds; round++)
        {
            var (from, to) = (round * photos.Count / rounds, (round + 1) * photos.Count / rounds);
            var selfBefore = ProcFiles.Cpu(Environment.ProcessId);
            var watch = Stopwatch.StartNew();
            Parallel.For(from, to, new ParallelOptions { MaxDegreeOfParallelism = cores }, i => renderer.Render(bytes[i], PhotoSet.Caption, PhotoSet.Style));
            elapsed[0] += watch.Elapsed;
            var selfAfter = ProcFiles.Cpu(Environment.ProcessId);
            engineCpu += selfAfter.User + selfAfter.System - selfBefore.User - selfBefore.System;
            engineSys += selfAfter.System - selfBefore.System;

            var before = CpuByComponent(pipeline);
            var run = await RunBatchAsync(pipeline, Enumerable.Range(from, to - from));
            elapsed[1] += run.Elapsed;
            foreach (var (component, seconds) in CpuSince(pipeline, before))
            {
                cpu[component] = cpu.GetValueOrDefault(component) + seconds.Total;
                cpuSys[component] = cpuSys.GetValueOrDefault(component) + seconds.System;
            }

            // A round's end: from its last job's end, as the worker reported it, to the status saying
            // done. Read after the round's CPU is counted: the scan is the harness's, not the pipeline's.
            var jobs = await pipeline.Batches.ReadJobsAsync(run.BatchId, CancellationToken.None);
            roundEnds.Add(run.DoneSeenAt - jobs.Max(job => job.CompletedAt));

            watch.Restart();
            await Parallel.ForAsync(from, to, new ParallelOptions { MaxDegreeOfParallelism = cores },
                async (i, _) => await imageMagick.ConvertAsync(photos.Files[i], Path.Combine(magickOut, Path.GetFileName(photos.Files[i]))));
            elapsed[2] += watch.Elapsed;
            imagesSoFar = to;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round + 1}/{rounds}: {to - from} images; so far limit {Rate(0):0.0}/s, pipeline {Rate(1):0.0}/s, ImageMagick {Rate(2):0.0}/s; load {ProcFiles.LoadAverage()}"));
        }


        var loadAtEnd = ProcFiles.LoadAverage();

        // The report.
        var limit = photos.Count / elapsed[0].TotalSeconds;
        var piped = photos.Count / elapsed[1].TotalSeconds;
        var magick = photos.Count / elapsed[2].TotalSeconds;
        var producerRate = options.Publish / publish.Producer.TotalSeconds;
        var bareRate = options.Publish / publish.Bare.TotalSeconds;
        Line("# Performance");
        Line();
        Line(string.Create(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC with `scripts/bench/pipeline.sh {options.Count}` ({string.Join(' ', args)})."));
        Line();
        Line($"- machine: {ProcFiles.Machine()}");
        Line($"- load average (1, 5, 15 min): {loadAtStart} at the start, {loadAtEnd} at the end");
        Line(string.Create(CultureInfo.InvariantCulture, $"- work: {photos.Count} photographs {photos.Width}x{photos.Height} JPEG ({bytes.Average(b => b.Length) / 1024:0} KiB on average), the same wrapped, outlined caption, JPEG out at the source's quality"));
        Line($"- pipeline: the real AppHost in local-process mode (RabbitMQ 3.10, Azurite, producer), {options.Replicas} workers, {Describe(environment)}" +
            (options.ProducerEnvironment() is { Count: > 0 } producer ? $"; producers with {Describe(producer)}" : "") +
             (options.AppHostSettings() is { Length: > 0 } settings ? $"; AppHost settings {string.Join(", ", settings)}" : ""));
        Line($"- order: publishing (once each cold, then 2 rounds each, producer and bare alternating, ABBA), then the long run (which also warms the services up), then limit / pipeline / ImageMagick interleaved in {rounds} rounds");
        Line();
        Line("| measure | figure | target | met |");
        Line("|---|---:|---:|:-:|");
        Line(Row("engine in-process, all cores (the limit)", $"{limit:0.0} images/s"));
        Line(Row("pipeline, submit to last outcome", $"{piped:0.0} images/s"));
        Line(Row("ImageMagick convert, all cores in parallel", $"{magick:0.0} images/s"));
        Line(Row("a round's end: its last job's end to the status saying done, mean", $"{roundEnds.Average(e => e.TotalMilliseconds):0} ms ({roundEnds.Min().TotalMilliseconds:0}-{roundEnds.Max().TotalMilliseconds:0})"));
        Line(Row("pipeline / limit", $"{piped / limit:0.00}", ">= 0.80", piped / limit >= 0.8));
        Line(Row($"pipeline, the long run ({memory.Images:N0} images, cold services at its start)", $"{memory.Images / memory.Elapsed.TotalSeconds:0.0} images/s"));
        Line(Row("long run / limit", $"{memory.Images / memory.Elapsed.TotalSeconds / limit:0.00}"));
        Line(Row("pipeline / ImageMagick", $"{piped / magick:0.00}x", ">= 1.5x", piped / magick >= 1.5));
        Line(Row($"producer publish, {options.Publish:N0} jobs, POST to 202, first batch since start", $"{options.Publish / publish.FirstProducer.TotalSeconds:N0} jobs/s"));
        Line(Row($"producer publish, {options.Publish:N0} jobs, POST to 202", $"{producerRate:N0} jobs/s"));
        Line(Row($"bare RabbitMQ.Client publish, {options.Publish:N0} messages", $"{bareRate:N0} jobs/s"));
        Line(Row("producer / bare", $"{producerRate / bareRate:0.00}", ">= 0.80", producerRate / bareRate >= 0.8));
        Line(Row($"worker peak RSS ({memory.Images:N0}-image run)", $"{memory.PeakBytes / (1024.0 * 1024):0} MiB", "< 400 MiB", memory.PeakBytes < 400L * 1024 * 1024));
        Line(Row("worker RSS growth, median of the second quarter to the last's", $"{memory.Growth:+0.0%;-0.0%}", "< 10%", memory.Growth < 0.10));
        Line();
        Line("Where the time goes: one job's stages timed one at a time from the harness against the same Azurite (ms per image):");
        Line();
        Line("| download | render (decode, draw, encode) | upload |");
        Line("|---:|---:|---:|");
        Line(string.Create(CultureInfo.InvariantCulture, $"| {stages.Download:0.0} | {stages.Render:0.0} | {stages.Upload:0.0} |"));
        Line();
        Line(string.Create(CultureInfo.InvariantCulture,
            $"CPU time per image during the pipeline runs, by process (from /proc/<pid>/stat; the producer's includes the harness polling batch status every 100 ms). The engine alone used {engineCpu * 1000 / photos.Count:0.0} ms per image ({engineSys * 1000 / photos.Count:0.0} ms of it in the kernel); in brackets the kernel's part:"));
        Line();
        Line("| " + string.Join(" | ", cpu.Keys.Order()) + " | total |");
        Line("|" + string.Concat(Enumerable.Repeat("---:|", cpu.Count + 1)));
        Line("| " + string.Join(" | ", cpu.OrderBy(c => c.Key).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Value * 1000 / photos.Count:0.0} ms ({cpuSys[c.Key] * 1000 / photos.Count:0.0})"))) +
             string.Create(CultureInfo.InvariantCulture, $" | {cpu.Values.Sum() * 1000 / photos.Count:0.0} ms |"));
        Line();
        Line(string.Create(CultureInfo.InvariantCulture,
            $"The same over the long run ({memory.Images:N0} images, cold services at its start, so steadier than the rounds):"));
        Line();
        Line("| " + string.Join(" | ", memory.Cpu.Keys.Order()) + " | total |");
        Line("|" + string.Concat(Enumerable.Repeat("---:|", memory.Cpu.Count + 1)));
        Line("| " + string.Join(" | ", memory.Cpu.OrderBy(c => c.Key).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Value.Total * 1000 / memory.Images:0.0} ms ({c.Value.System * 1000 / memory.Images:0.0})"))) +
             string.Create(CultureInfo.InvariantCulture, $" | {memory.Cpu.Values.Sum(c => c.Total) * 1000 / memory.Images:0.0} ms |"));
        Line();
        Line("Worker memory over the long run (VmRSS sampled every 500 ms; quarters by jobs done, a quarter's figure the median of its samples):");
        Line();
        Line("| worker | second quarter | last quarter | peak | growth |");
        Line("|---|---:|---:|---:|---:|");
        foreach (var worker in memory.Workers)
        {
            Line(string.Create(CultureInfo.InvariantCulture,
                $"| {worker.Pid} | {worker.Second / (1024.0 * 1024):0} MiB | {worker.Last / (1024.0 * 1024):0} MiB | {worker.Peak / (1024.0 * 1024):0} MiB | {worker.Growth:+0.0%;-0.0%} |"));
        }

        if (sweep.Count > 0)
        {
            Line();
            Line("Workers and prefetch (pipeline images/s, interleaved rounds, one AppHost per prefetch with replicas stopped and started):");
            Line();
            Line("| prefetch \\ workers | " + string.Join(" | ", options.Sweep) + " |");
            Line("|---|" + string.Concat(Enumerable.Repeat("---:|", options.Sweep.Count)));
            foreach (var prefetch in options.SweepPrefetch)
            {
                Line($"| {prefetch} | " + string.Join(" | ", options.Sweep.Select(r => string.Create(CultureInfo.InvariantCulture, $"{sweep[(r, prefetch)]:0.0}"))) + " |");
            }
        }

        if (options.Output is { } output)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
            await File.WriteAllTextAsync(output, report + await SectionsAfterTopAsync(output));
            Console.WriteLine($"Written to {output}");
        }

        return 0;
    }

    /// <summary>The file's sections after its top one (from its first "## " heading on), which the report does not replace.</summary>
    private static async Task<string> SectionsAfterTopAsync(string path)
    {
        if (!File.Exists(path))
        {
            return string.Empty;
        }

        var text = await File.ReadAllTextAsync(path);
        var heading = text.IndexOf("\n## ", StringComparison.Ordinal);
        return heading < 0 ? string.Empty : text[heading..];
    }

    private static string Row(string measure, string figure, string target = "", bool? met = null) =>
        $"| {measure} | {figure} | {target} | {(met is null ? "" : met.Value ? "yes" : "**no**")} |";

    private static string Describe(Dictionary<string, string> environment) =>
        environment.Count == 0 ? "worker defaults" : string.Join(", ", environment.Select(e => $"{e.Key}={e.Value}"));

    private static async Task UploadAsync(RunningPipeline pipeline, byte[][] bytes)
    {
        var sources = pipeline.Blobs.GetBlobContainerClient("sources");
        await sources.CreateIfNotExistsAsync();
        await Parallel.ForAsync(0, bytes.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 },
            async (i, ct) => await sources.GetBlobClient(SourceName(i)).UploadAsync(BinaryData.FromBytes(bytes[i]), overwrite: true, ct));
    }

    internal static string SourceName(int i) => $"{SourcePrefix}photo-{i:D4}.jpg";

    private static object BatchOf(IEnumerable<int> indexes) => new
    {
        items = indexes.Select(i => new { source = SourceName(i), text = PhotoSet.Caption }).ToList(),
        style = PhotoSet.Style,
    };

    /// <summary>A batch run: how long from submit to its last outcome, and when its status said done.</summary>
    private sealed record BatchRun(TimeSpan Elapsed, string BatchId, DateTimeOffset DoneSeenAt);

    /// <summary>One batch from submit to its last outcome; every job must succeed.</summary>
    private static async Task<BatchRun> RunBatchAsync(RunningPipeline pipeline, IEnumerable<int> indexes, Action<Progress>? onProgress = null)
    {
        var watch = Stopwatch.StartNew();
        var batch = await pipeline.SubmitAsync(BatchOf(indexes));
        var done = await pipeline.WaitUntilDoneAsync(batch.BatchId, TimeSpan.FromHours(2), onProgress);
        var (elapsed, doneSeenAt) = (watch.Elapsed, DateTimeOffset.UtcNow);
        if (done.Failed > 0)
        {
            throw new InvalidOperationException($"Batch {batch.BatchId}: {done.Failed} jobs failed.");
        }

        return new BatchRun(elapsed, batch.BatchId, doneSeenAt);
    }

    private static Dictionary<string, (double User, double System)> CpuByComponent(RunningPipeline pipeline) => pipeline.Processes()
        .GroupBy(p => p.Component)
        .ToDictionary(g => g.Key, g => g.Select(p => ProcFiles.Cpu(p.Pid)).Aggregate((0.0, 0.0), (sum, c) => (sum.Item1 + c.User, sum.Item2 + c.System)));

    /// <summary>CPU seconds (user + system, and system alone) each component used since <paramref name="before"/>.</summary>
    private static Dictionary<string, (double Total, double System)> CpuSince(RunningPipeline pipeline, Dictionary<string, (double User, double System)> before) =>
        CpuByComponent(pipeline).ToDictionary(c => c.Key, c =>
        {
            var earlier = before.GetValueOrDefault(c.Key);
            return (c.Value.User + c.Value.System - earlier.User - earlier.System, c.Value.System - earlier.System);
        });

    /// <summary>Pipeline throughput for each workers x prefetch: one AppHost per prefetch, replicas stopped and started between rounds.</summary>
    private static async Task<Dictionary<(int Replicas, int Prefetch), double>> SweepAsync(Options options, PhotoSet photos, byte[][] bytes)
    {
        var rates = new Dictionary<(int, int), double>();
        var rounds = Math.Clamp(photos.Count / 100, 1, 3);
        foreach (var prefetch in options.SweepPrefetch)
        {
            var environment = new Dictionary<string, string>(options.WorkerEnvironment()) { ["Messaging__Prefetch"] = prefetch.ToString(CultureInfo.InvariantCulture) };
            Console.WriteLine($"Sweep: starting the AppHost with {options.Sweep.Max()} workers, {Describe(environment)}");
            await using var pipeline = await RunningPipeline.StartAsync(options.Sweep.Max(), environment, options.ProducerEnvironment(), options.AppHostSettings());
            await UploadAsync(pipeline, bytes);
            await RunBatchAsync(pipeline, Enumerable.Range(0, Math.Min(photos.Count, 2 * options.Sweep.Max())));
            var elapsed = options.Sweep.ToDictionary(r => r, _ => TimeSpan.Zero);
            for (var round = 0; round < rounds; round++)
            {
                var (from, to) = (round * photos.Count / rounds, (round + 1) * photos.Count / rounds);
                // Alternate the order so no replica count always runs first after a change.
                foreach (var replicas in round % 2 == 0 ? options.Sweep : Enumerable.Reverse(options.Sweep))
                {
                    await pipeline.SetRunningWorkersAsync(replicas);
                    // A restarted worker is cold (tiered JIT goes on for its first tens of jobs, fonts,
                    // Skia): warm every one up before timing.
                    await RunBatchAsync(pipeline, Enumerable.Range(0, Math.Min(photos.Count, 40 * replicas)));
                    elapsed[replicas] += (await RunBatchAsync(pipeline, Enumerable.Range(from, to - from))).Elapsed;
                }
            }

            foreach (var (replicas, time) in elapsed)
            {
                rates[(replicas, prefetch)] = photos.Count / time.TotalSeconds;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {replicas} workers, prefetch {prefetch}: {rates[(replicas, prefetch)]:0.0} images/s"));
            }
        }

        return rates;
    }

    private sealed record PublishTimes(TimeSpan FirstProducer, TimeSpan Producer, TimeSpan Bare);

    /// <summary>
    /// A batch of <paramref name="jobs"/> through the producer (workers stopped), then the same
    /// through a bare publisher: once each cold (the producer's first batch since it started,
    /// reported on its own), then ABBA, warm, as every batch after the first is.
    /// </summary>
    private static async Task<PublishTimes> PublishAsync(RunningPipeline pipeline, int jobs)
    {
        await pipeline.SetRunningWorkersAsync(0);
        await pipeline.PurgeJobsAsync();
        var request = BatchOf(Enumerable.Range(0, jobs).Select(i => i % 10));

        var first = await ProducerAsync();
        var body = await pipeline.OneJobBodyAsync();
        await pipeline.PurgeJobsAsync();
        await BarePublisher.PublishAsync(pipeline.Broker, body, jobs);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"publish, cold: producer {first.TotalSeconds:0.00} s; load {ProcFiles.LoadAverage()}"));

        var (producer, bare) = (TimeSpan.Zero, TimeSpan.Zero);
        foreach (var producerFirst in new[] { true, false })
        {
            for (var turn = 0; turn < 2; turn++)
            {
                if ((turn == 0) == producerFirst)
                {
                    producer += await ProducerAsync();
                    await pipeline.PurgeJobsAsync();
                }
                else
                {
                    bare += await BarePublisher.PublishAsync(pipeline.Broker, body, jobs);
                }
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"publish so far: producer {producer.TotalSeconds:0.00} s, bare {bare.TotalSeconds:0.00} s; load {ProcFiles.LoadAverage()}"));
        }

        return new PublishTimes(first, producer / 2, bare / 2);

        async Task<TimeSpan> ProducerAsync()
        {
            var watch = Stopwatch.StartNew();
            await pipeline.SubmitAsync(request);
            return watch.Elapsed;
        }
    }

    /// <param name="Second">The median VmRSS while the second quarter of the jobs was done.</param>
    /// <param name="Last">The same over the last quarter.</param>
    private sealed record WorkerMemory(int Pid, long Second, long Last, long Peak)
    {
        public double Growth => (double)(Last - Second) / Second;
    }

    /// <param name="Cpu">Seconds of CPU (user + system, and system alone) each component used during the run.</param>
    private sealed record MemoryRun(int Images, TimeSpan Elapsed, IReadOnlyList<WorkerMemory> Workers, Dictionary<string, (double Total, double System)> Cpu)
    {
        public long PeakBytes => Workers.Max(w => w.Peak);

        public double Growth => Workers.Max(w => w.Growth);
    }

    /// <summary>A long batch cycling over the photographs, with each worker's VmRSS sampled throughout.</summary>
    private static async Task<MemoryRun> LongRunAsync(RunningPipeline pipeline, int photos, int images)
    {
        await pipeline.SetRunningWorkersAsync(pipeline.Replicas);
        var samples = new Dictionary<int, List<(int Done, long Rss)>>();
        var done = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                foreach (var pid in pipeline.WorkerPids())
                {
                    var rss = ProcFiles.Resident(pid);
                    if (rss > 0)
                    {
                        (samples.TryGetValue(pid, out var list) ? list : samples[pid] = []).Add((Volatile.Read(ref done), rss));
                    }
                }

                await Task.Delay(500);
            }
        });

        Console.WriteLine($"Long run: {images:N0} images");
        var cpuBefore = CpuByComponent(pipeline);
        var lastReport = Stopwatch.StartNew();
        var elapsed = (await RunBatchAsync(pipeline, Enumerable.Range(0, images).Select(i => i % photos), progress =>
        {
            Volatile.Write(ref done, progress.Succeeded + progress.Failed);
            if (lastReport.Elapsed > TimeSpan.FromSeconds(30))
            {
                Console.WriteLine($"  {done:N0} of {images:N0}; load {ProcFiles.LoadAverage()}");
                lastReport.Restart();
            }
        })).Elapsed;
        var cpu = CpuSince(pipeline, cpuBefore);
        await sampling.CancelAsync();
        await sampler;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Long run: {images / elapsed.TotalSeconds:0.0} images/s"));

        // Quarters by work done, not time; medians, because a single sample lands before or after a
        // collection by chance.
        static long? MedianWhile(List<(int Done, long Rss)> taken, int from, int to) =>
            Medians.Of(taken.Where(x => x.Done >= from && x.Done < to).Select(x => x.Rss));

        var workers = samples
            .Select(s => (Pid: s.Key, Second: MedianWhile(s.Value, images / 4, images / 2), Last: MedianWhile(s.Value, images * 3 / 4, int.MaxValue), Peak: s.Value.Max(x => x.Rss)))
            .Where(w => w.Second is not null && w.Last is not null)
            .Select(w => new WorkerMemory(w.Pid, w.Second!.Value, w.Last!.Value, w.Peak))
            .ToList();
        return new MemoryRun(images, elapsed, workers, cpu);
    }

    private sealed class Options
    {
        private readonly string[] _args;

        public Options(string[] args)
        {
            _args = args;
            Count = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var n) ? n : 200;
            Width = Int("--width", 1920);
            Height = Int("--height", 1080);
            Replicas = Int("--replicas", 3);
            Publish = Int("--publish", 40_000);
            LongRun = Int("--long", 10 * Count);
            Directory = Value("--dir") ?? Path.Combine(Path.GetTempPath(), "imagejobs-bench");
            Output = Value("--out");
            Sweep = List("--sweep");
            SweepPrefetch = List("--sweep-prefetch") is { Count: > 0 } prefetches ? prefetches : [1];
        }

        public int Count { get; }

        public int Width { get; }

        public int Height { get; }

        public int Replicas { get; }

        public int Publish { get; }

        public int LongRun { get; }

        public string Directory { get; }

        public string? Output { get; }

        public List<int> Sweep { get; }

        public List<int> SweepPrefetch { get; }

        /// <summary>--prefetch P and every --env NAME=VALUE, for the workers.</summary>
        public Dictionary<string, string> WorkerEnvironment()
        {
            var environment = Pairs("--env");
            if (Value("--prefetch") is { } prefetch)
            {
                environment["Messaging__Prefetch"] = prefetch;
            }

            return environment;
        }

        /// <summary>Every --producer-env NAME=VALUE, for the producers (Outcomes__TailJobs=0, say).</summary>
        public Dictionary<string, string> ProducerEnvironment() => Pairs("--producer-env");

        /// <summary>Every --apphost KEY=VALUE: the AppHost's own settings (LocalInfrastructure:Azurite=..., say).</summary>
        public string[] AppHostSettings() => Repeated("--apphost").ToArray();

        private Dictionary<string, string> Pairs(string option)
        {
            var pairs = new Dictionary<string, string>();
            foreach (var setting in Repeated(option))
            {
                if (setting.Split('=', 2) is [var name, var value])
                {
                    pairs[name] = value;
                }
            }

            return pairs;
        }

        private IEnumerable<string> Repeated(string name) => _args.Zip(_args.Skip(1)).Where(pair => pair.First == name).Select(pair => pair.Second);

        private string? Value(string name) => _args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

        private int Int(string name, int fallback) => Value(name) is { } value && int.TryParse(value, CultureInfo.InvariantCulture, out var parsed) ? parsed : fallback;

        private List<int> List(string name) => Value(name)?.Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToList() ?? [];
    }
}
