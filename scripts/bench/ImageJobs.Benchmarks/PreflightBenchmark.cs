using System.Globalization;
using ImageJobs.Contracts.Styles;
using ImageJobs.Contracts.Templates;
using ImageJobs.Producer.Batches;
using ImageJobs.Producer.Preflight;
using ImageJobs.Producer.Templates;
using ImageJobs.Rendering;
using ImageJobs.Rendering.Templates;

namespace ImageJobs.Benchmarks;

/// <summary>
/// The pre-flight report over a batch of rows with a three-text template (name, course, date),
/// against a baseline in the same run: the same rows filled the same way and each text laid out
/// as a render lays it out (ImageRenderer.Compose: with the final shaping), with no report. Both
/// use every core (Parallel.For), take turns (ABBA), and the best round of each is kept, wall and
/// CPU. Image sizes are handed in, as the endpoint has them once the headers are read.
/// Usage: ImageJobs.Benchmarks preflight [rows=40000] [--rounds 3]
/// </summary>
public static class PreflightBenchmark
{
    private static readonly string[] Names =
    [
        "Ada Lovelace", "Augusta Ada King, Countess of Lovelace", "Alan Turing", "Grace Brewster Murray Hopper", "محمد بن موسى الخوارزمي",
        "רבקה כהן", "李小龙", "ณัฐวุฒิ ศรีสวัสดิ์", "देवनागरी नाम", "Zoë Saldaña-Perez 🎓",
    ];

    private static readonly string[] Courses =
    [
        "Analytical Engines", "Advanced studies in the history and practice of mechanical computation, with honours",
        "Data Structures", "Compilers and interpreters", "الرياضيات المتقدمة",
    ];

    public static int Run(string[] args)
    {
        var count = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var n) ? n : 40_000;
        var rounds = args.SkipWhile(a => a != "--rounds").Skip(1).FirstOrDefault() is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : 3;
        var definition = new TemplateDefinition
        {
            Layers =
            [
                new JobLayer("text", "name", new JobTextBox("Percent", 10, 30, 80, 15), Text: "{name}", Style: new JobStyle(FontSizeRatio: 0.09, MinFontSizeRatio: 0.04)),
                new JobLayer("text", "course", new JobTextBox("Percent", 10, 50, 80, 10), Text: "for {course}", Style: new JobStyle(FontSizeRatio: 0.05, MinFontSizeRatio: 0.03)),
                new JobLayer("text", "date", new JobTextBox("Percent", 60, 85, 30, 8), Text: "{date}", Style: new JobStyle(FontSizeRatio: 0.04, MinFontSizeRatio: 0.02, Overflow: "Fail")),
            ],
        };
        var plan = TemplatePlan.TryCompile(definition, 2_000, out var errors) ?? throw new InvalidOperationException(string.Join("; ", errors));
        var items = Enumerable.Range(0, count).Select(i => new BatchItem($"blank/{i % 4}.png", null, null, new Dictionary<string, string>
        {
            ["name"] = $"{Names[i % Names.Length]} {i}",
            ["course"] = Courses[i % Courses.Length],
            ["date"] = $"{1 + (i % 28)} December 2026",
        })).ToArray();
        var lines = Enumerable.Range(2, count).ToArray();
        var sizes = new Dictionary<string, SourceSize>(StringComparer.Ordinal)
        {
            ["blank/0.png"] = new(1920, 1080),
            ["blank/1.png"] = new(1080, 1920),
            ["blank/2.png"] = new(3508, 2480),
            ["blank/3.png"] = new(1200, 630),
        };
        var request = new SubmitBatchRequest { TemplateName = "certificate", Items = items };

        using var fonts = new FontLibrary();
        using var renderer = new ImageRenderer(fonts, new RenderLimits());
        PreflightReport? report = null;
        Action preflight = () => report = PreflightPlanner.Run(renderer, plan, request, items, lines, sizes, 0, PreflightEndpoints.DefaultPage);
        Action layout = () => Parallel.For(0, count, i =>
        {
            var size = sizes[items[i].Source!];
            var template = plan.Resolve(new TemplateRow(items[i].Source!, i, items[i].Values), []);
            foreach (var layer in template!.Layers.OfType<TextLayer>())
            {
                try
                {
                    renderer.Compose(layer.Text!, TemplateStyle(layer), size.Width, size.Height);
                }
                catch (Contracts.JobFailedException)
                {
                    // A text that would fail is laid out up to its refusal, as a render would.
                }
            }
        });
        preflight(); // warm-up: JIT, fonts, shapers, ICU, on every thread
        layout();

        var best = new Dictionary<string, (TimeSpan Wall, TimeSpan Cpu)> { ["preflight"] = (TimeSpan.MaxValue, TimeSpan.MaxValue), ["layout"] = (TimeSpan.MaxValue, TimeSpan.MaxValue) };
        for (var round = 0; round < rounds; round++)
        {
            var order = round % 2 == 0 ? new[] { "preflight", "layout", "layout", "preflight" } : ["layout", "preflight", "preflight", "layout"];
            foreach (var name in order)
            {
                var (wall, cpu) = TemplateBenchmark.Measure(name == "preflight" ? preflight : layout);
                best[name] = (wall < best[name].Wall ? wall : best[name].Wall, cpu < best[name].Cpu ? cpu : best[name].Cpu);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round + 1} {name}: {wall.TotalSeconds:0.000} s wall, {cpu.TotalSeconds:0.000} s CPU"));
            }
        }

        var (p, l) = (best["preflight"], best["layout"]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"preflight best of {rounds}: {count} rows x 3 texts in {p.Wall.TotalSeconds:0.000} s wall ({p.Cpu.TotalSeconds:0.000} s CPU, {p.Wall.TotalMicroseconds / count:0.0} us/row) on {Environment.ProcessorCount} cores; ")
            + string.Create(CultureInfo.InvariantCulture, $"baseline layout (Compose, no report) {l.Wall.TotalSeconds:0.000} s wall ({l.Cpu.TotalSeconds:0.000} s CPU); ratio {p.Wall / l.Wall:0.00} wall, {p.Cpu / l.Cpu:0.00} CPU; "
            + $"target < 5 s: {(p.Wall.TotalSeconds < 5 ? "met" : "NOT met")}"));
        var summary = report!.Summary;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"report: {summary.RowsWithProblems} rows with problems, {summary.RowsThatWouldFail} would fail; ")
            + string.Join("; ", summary.Layers.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Layer} fits {s.Fits} shrinks {s.Shrinks} cut {s.Ellipsis} fails {s.Fails} missing {s.MissingGlyphs}")))
            + $"; load average {File.ReadAllText("/proc/loadavg").Trim()}");
        return 0;
    }

    private static TextStyle TemplateStyle(TextLayer layer) =>
        (layer.Style ?? new TextStyle()) with { Box = layer.Box ?? layer.Style?.Box, Anchor = layer.Anchor ?? layer.Style?.Anchor };
}
