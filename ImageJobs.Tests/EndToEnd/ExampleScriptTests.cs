using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using ImageJobs.Producer.Sources;
using ImageJobs.Tests.Support;
using SkiaSharp;
using ZXing;

namespace ImageJobs.Tests.EndToEnd;

/// <summary>
/// docs/examples: each example's one command, run as a newcomer runs it against the real AppHost
/// (local mode), then its results: one per manifest row, and every QR code and EAN-13 read back by
/// ZXing as its row's value.
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(AppHostGroup.Name)]
public sealed partial class ExampleScriptTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Both_examples_run_by_their_one_command_and_every_code_reads_as_its_row()
    {
        using var data = new ScratchDirectory("imagejobs-examples-e2e");
        await using var app = await LocalAppHost.StartQuietAsync(data.Path, workers: 2, StartTimeout);
        var url = app.GetEndpoint("producer", "http").ToString();
        using var http = new HttpClient { BaseAddress = new Uri(url) };

        // Certificates: the QR code links to the verification page of the row's id; results are named {id}.png.
        var certificates = await RunAsync("certificates", url);
        var ids = Rows("certificates", "certificates.csv").Select(row => row["id"]).ToList();
        Assert.Equal(200, ids.Count);
        // The QR code's box and its quiet zone only, read as a grid: ZXing's detector misses some valid codes (C-0056's, at 7 px a module).
        var read = await DecodeAllAsync(http, certificates, BarcodeFormat.QR_CODE, SKRectI.Create(1200, 730, 305, 315), pure: true);
        Assert.Equal(ids.Order(StringComparer.Ordinal).Select(id => (id, $"https://verify.example.org/c/{id}")), read);

        // Price tags: the EAN-13 is the row's; results are named {sku}.png.
        var tags = await RunAsync("price-tags", url);
        var eans = Rows("price-tags", "price-tags.csv").Select(row => (row["sku"], row["ean"])).OrderBy(e => e.Item1, StringComparer.Ordinal).ToList();
        Assert.Equal(12, eans.Count);
        Assert.Equal(eans, await DecodeAllAsync(http, tags, BarcodeFormat.EAN_13, SKRectI.Create(560, 480, 620, 230)));

        // Run again: the template is saved as its next version, and the batch is a new one.
        var again = await RunAsync("price-tags", url);
        Assert.NotEqual(tags, again);
    }

    /// <summary>The example's run.sh with the producer's URL as its argument; the batch id it printed, once it exited 0.</summary>
    private async Task<string> RunAsync(string example, string url)
    {
        var (exitCode, text, errors) = await ExampleScripts.RunAsync(example, url);
        output.WriteLine($"{example}/run.sh:\n{text}{errors}");
        Assert.True(exitCode == 0, $"{example}/run.sh exited {exitCode}:\n{text}\n{errors}");
        Assert.Contains("/api/batches/", text, StringComparison.Ordinal);
        return BatchLine().Match(text) is { Success: true } match ? match.Groups[1].Value : throw new InvalidOperationException($"no batch id in:\n{text}");
    }

    /// <summary>Each result's name (without folder and extension) and the code ZXing reads in <paramref name="area"/>, by name.</summary>
    private static async Task<List<(string, string)>> DecodeAllAsync(HttpClient http, string batchId, BarcodeFormat format, SKRectI area, bool pure = false)
    {
        var results = (await http.GetFromJsonAsync<List<BlobFile>>($"/api/batches/{batchId}/results"))!;
        var read = new List<(string, string)>();
        foreach (var result in results)
        {
            var bytes = await http.GetByteArrayAsync(result.Url);
            using var image = SKBitmap.Decode(bytes);
            try
            {
                read.Add((Path.GetFileNameWithoutExtension(result.Name), CodeReader.Read(image, format, area, pure).Text));
            }
            catch (Exception ex) when (ex is Xunit.Sdk.XunitException)
            {
                var kept = Path.Combine(Path.GetTempPath(), Path.GetFileName(result.Name));
                await File.WriteAllBytesAsync(kept, bytes);
                throw new InvalidOperationException($"{result.Name} ({image.Width}x{image.Height}, kept as {kept}): {ex.Message}", ex);
            }
        }

        return [.. read.OrderBy(r => r.Item1, StringComparer.Ordinal)];
    }

    /// <summary>The example's manifest, a dictionary per row (its CSV has quoted fields but no quotes inside them).</summary>
    private static List<Dictionary<string, string>> Rows(string example, string file)
    {
        var lines = File.ReadAllLines(Path.Combine(ExampleScripts.Folder, example, file));
        var header = Fields(lines[0]);
        return [.. lines.Skip(1).Select(line => header.Zip(Fields(line)).ToDictionary(p => p.First, p => p.Second))];
    }

    private static List<string> Fields(string line) => [.. CsvField().Matches(line).Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value)];

    [GeneratedRegex("^batch: (\\S+)", RegexOptions.Multiline)]
    private static partial Regex BatchLine();

    [GeneratedRegex("(?:^|,)(?:\"([^\"]*)\"|([^,]*))")]
    private static partial Regex CsvField();
}
