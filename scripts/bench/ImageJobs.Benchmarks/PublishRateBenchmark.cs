using System.Diagnostics;
using System.Globalization;
using ImageJobs.Rendering.Templates;

namespace ImageJobs.Benchmarks;

/// <summary>
/// Mode `publish-templates`: the producer's rate, POST to 202 (every job confirmed), for a batch of
/// one caption per image against the same number of rows drawn with a five-layer template (name,
/// price with rich spans, logo, EAN-13, QR code, each row's own values; an inline template, so each
/// row is filled, checked and its picture looked up), through the real AppHost with its workers
/// stopped. Each cold once, then in rounds, ABBA, so load from other processes falls on both alike.
/// Usage: ImageJobs.Benchmarks publish-templates [jobs=40000] [--rounds 2]
/// </summary>
public static class PublishRateBenchmark
{
    private const string Source = "bench-publish/photo.jpg", Logo = "bench-publish/logo.png";

    public static async Task<int> RunAsync(string[] args)
    {
        var jobs = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var n) ? n : 40_000;
        var rounds = args.SkipWhile(a => a != "--rounds").Skip(1).FirstOrDefault() is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : 2;
        Console.WriteLine($"Starting the AppHost; {jobs:N0} jobs a batch, {rounds} rounds, load {ProcFiles.LoadAverage()}");
        await using var pipeline = await RunningPipeline.StartAsync(1, new Dictionary<string, string>(), new Dictionary<string, string>());
        await pipeline.SetRunningWorkersAsync(0);
        var sources = pipeline.Blobs.GetBlobContainerClient("sources");
        await sources.CreateIfNotExistsAsync();
        await sources.GetBlobClient(Source).UploadAsync(BinaryData.FromBytes(Photographs.Jpeg(0, 640, 360)), overwrite: true);
        await sources.GetBlobClient(Logo).UploadAsync(BinaryData.FromBytes(TemplateBenchmark.Logo()), overwrite: true);

        var batches = new Dictionary<string, object> { ["caption"] = Captions(jobs), ["five layers"] = FiveLayers(jobs) };
        var bodies = new Dictionary<string, ReadOnlyMemory<byte>>();
        foreach (var (name, batch) in batches)
        {
            var cold = await TimeAsync(pipeline, batch);
            bodies[name] = await pipeline.OneJobBodyAsync();
            await pipeline.PurgeJobsAsync();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cold {name}: {jobs / cold.TotalSeconds:N0} jobs/s; load {ProcFiles.LoadAverage()}"));
        }

        var total = batches.Keys.ToDictionary(k => k, _ => TimeSpan.Zero);
        var bare = batches.Keys.ToDictionary(k => k, _ => TimeSpan.Zero);
        for (var round = 0; round < rounds; round++)
        {
            string[] order = round % 2 == 0 ? ["caption", "five layers", "five layers", "caption"] : ["five layers", "caption", "caption", "five layers"];
            foreach (var name in order)
            {
                var elapsed = await TimeAsync(pipeline, batches[name]);
                await pipeline.PurgeJobsAsync();
                total[name] += elapsed;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round + 1} {name}: {jobs / elapsed.TotalSeconds:N0} jobs/s; load {ProcFiles.LoadAverage()}"));
            }

            // The broker's share: the same bodies from RabbitMQ.Client alone, once each per round.
            foreach (var name in round % 2 == 0 ? order[..2] : order[2..])
            {
                bare[name] += await BarePublisher.PublishAsync(pipeline.Broker, bodies[name], jobs);
            }
        }

        var caption = jobs * 2.0 * rounds / total["caption"].TotalSeconds;
        var layered = jobs * 2.0 * rounds / total["five layers"].TotalSeconds;
        Console.WriteLine();
        Console.WriteLine("| batch | job size (bytes) | jobs/s, POST to 202 (mean of the rounds) | jobs/s, same bodies, RabbitMQ.Client alone |");
        Console.WriteLine("|---|---:|---:|---:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| one caption (baseline) | {bodies["caption"].Length:N0} | {caption:N0} | {jobs * rounds / bare["caption"].TotalSeconds:N0} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| five-layer template, inline, values per row | {bodies["five layers"].Length:N0} | {layered:N0} | {jobs * rounds / bare["five layers"].TotalSeconds:N0} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio five layers / caption: {layered / caption:0.00} (target >= 0.80); load at the end {ProcFiles.LoadAverage()}"));
        return layered / caption >= 0.8 ? 0 : 1;
    }

    private static async Task<TimeSpan> TimeAsync(RunningPipeline pipeline, object batch)
    {
        var watch = Stopwatch.StartNew();
        await pipeline.SubmitAsync(batch);
        return watch.Elapsed;
    }

    private static object Captions(int jobs) => new
    {
        items = Enumerable.Range(0, jobs).Select(i => new { source = Source, text = $"Espresso cup, stoneware, no. {i}" }).ToList(),
        style = PhotoSet.Style,
    };

    private static object Percent(double x, double y, double width, double height) => new { unit = "Percent", x, y, width, height };

    private static object FiveLayers(int jobs) => new
    {
        inlineTemplate = new
        {
            layers = new object[]
            {
                new { kind = "text", name = "name", box = Percent(4, 72, 60, 12), text = "{name}", style = new { anchor = "MiddleLeft", align = "Left", outlineRatio = 0 } },
                new { kind = "text", name = "price", box = Percent(4, 85, 60, 12), text = "[s][size=0.6]{old}[/size][/s] [b][color=#FFD700]{price}[/color][/b]", style = new { anchor = "MiddleLeft", align = "Left" } },
                new { kind = "image", name = "logo", box = Percent(2, 2, 14, 14), imageName = Logo, anchor = "TopLeft" },
                new { kind = "barcode", name = "ean", box = Percent(60, 4, 36, 20), value = "{ean}", symbology = "Ean13" },
                new { kind = "qr", name = "qr", box = Percent(80, 72, 18, 26), value = "https://example.org/p/{sku}", anchor = "MiddleRight" },
            },
            output = new { format = "Jpeg" },
        },
        items = Enumerable.Range(0, jobs).Select(i => new
        {
            source = Source,
            values = new Dictionary<string, string>
            {
                ["name"] = $"Espresso cup, stoneware, no. {i}",
                ["old"] = string.Create(CultureInfo.InvariantCulture, $"${i % 90 + 10}.00"),
                ["price"] = string.Create(CultureInfo.InvariantCulture, $"${i % 90 + 5}.50"),
                ["ean"] = Ean13(i),
                ["sku"] = i.ToString("D6", CultureInfo.InvariantCulture),
            },
        }).ToList(),
    };

    private static string Ean13(int i)
    {
        var twelve = (400638100000L + i).ToString("D12", CultureInfo.InvariantCulture);
        return twelve + CodePatterns.CheckDigit(twelve).ToString(CultureInfo.InvariantCulture);
    }
}
