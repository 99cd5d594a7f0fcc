using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;
using Azure.Storage.Blobs.Models;
using ImageJobs.Contracts.Styles;
using ImageJobs.Contracts.Templates;
using ImageJobs.Producer.Batches;
using ImageJobs.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ImageJobs.Tests.Browser;

/// <summary>
/// The page's start form for a stored template in real headless Chromium: a manifest picked, a
/// placeholder left unmapped and then mapped by hand, the pre-flight report listing the rows that
/// shrink and lack glyphs by line, a row's preview on a click, and the batch started in one click;
/// a 20-row manifest run to the end with a worker; and on a phone, a prefix mapped to the images'
/// own fields and a report paged past its first 1,000 rows.
/// </summary>
[Trait("Category", "Browser")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class TemplateStartPageTests(LocalInfrastructure infrastructure)
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_manifest_is_mapped_checked_previewed_and_started_from_the_page()
    {
        Assert.True(Chromium.IsInstalled, $"{Chromium.Executable} is missing: scripts/setup.sh installs Debian's chromium.");
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        var sources = infrastructure.Blobs().GetBlobContainerClient($"sources-{_suffix}");
        await sources.CreateIfNotExistsAsync();
        await sources.UploadBlobAsync("blank/certificate.png", BinaryData.FromBytes(Rendering.TestImages.Gradient(1200, 800)));
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        JobLayer Text(string name, string text, double y) => new("text", name, new JobTextBox("Percent", 10, y, 80, 15), Text: text,
            Style: new JobStyle(FontSizeRatio: 0.08, MinFontSizeRatio: 0.03, Color: "#101828", OutlineRatio: 0));
        (await producer.Http.PostAsJsonAsync("/api/templates", new { name = "certificate", layers = new[] { Text("name", "{graduate}", 20), Text("course", "for {course}", 50) } }))
            .EnsureSuccessStatusCode();
        var manifest = Path.Combine(Directory.CreateTempSubdirectory("imagejobs-page-").FullName, "graduates.csv");
        await File.WriteAllTextAsync(manifest, new StringBuilder("image,Full name,course\n")
            .Append("blank/certificate.png,Ada Lovelace,Analytical Engines\n")                                                  // line 2: fits
            .Append("blank/certificate.png,Augusta Ada King Countess of Lovelace and of Ockham,Analytical Engines\n")          // line 3: shrinks
            .Append("blank/certificate.png,Ada \U00013000,Analytical Engines\n")                                                // line 4: no glyph
            .ToString());

        await using var chromium = await Chromium.LaunchAsync(producer.Address);
        await using var context = await chromium.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 1000 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(producer.Address);
        await Expect(page.Locator("#tpl-name option[value=certificate]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await page.SelectOptionAsync("#tpl-name", "certificate");
        await page.SetInputFilesAsync("#tpl-manifest", manifest);

        // {course} finds its column by name; {graduate} has none until it is mapped to "Full name".
        await Expect(page.Locator("#tpl-unmapped")).ToHaveTextAsync("Not mapped yet: {graduate}");
        await Expect(page.Locator("select[data-placeholder=course]")).ToHaveValueAsync("course");
        await page.SelectOptionAsync("select[data-placeholder=graduate]", "Full name");
        await Expect(page.Locator("#tpl-unmapped")).ToHaveTextAsync("Every placeholder has a column.");
        Assert.True(await page.Locator("#tpl-start").IsDisabledAsync());

        await page.ClickAsync("#tpl-check");
        await Expect(page.Locator("#tpl-summary")).ToHaveTextAsync("3 rows: 2 to look at, 1 would fail.", new() { Timeout = 30_000 });
        var rows = page.Locator("#tpl-rows li");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Nth(0)).ToContainTextAsync(new Regex("^line 3: name shrinks to \\d+ px \\(of 64\\)$"));
        await Expect(rows.Nth(1)).ToContainTextAsync("line 4: text.missing_glyph");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Chromium.Screenshots, "page-preflight.png"), FullPage = true });

        // A row's preview is rendered by the real engine with that row's values.
        await rows.Nth(0).Locator("button").ClickAsync();
        await page.UntilAsync("document.getElementById('tpl-preview').complete && document.getElementById('tpl-preview').naturalWidth > 0", TimeSpan.FromSeconds(30));
        await Expect(page.Locator("#tpl-preview-caption")).ToHaveTextAsync("line 3: blank/certificate.png");

        await page.ClickAsync("#tpl-start");
        await Expect(page.Locator("#tpl-message")).ToHaveTextAsync(new Regex("^started "), new() { Timeout = 30_000 });
        var batchId = (await page.Locator("#tpl-message").TextContentAsync())!.Split(' ')[1];
        var status = await producer.Http.GetFromJsonAsync<BatchStatus>($"/api/batches/{batchId}");
        Assert.Equal(3, status!.Total);
        Assert.Equal("[]", await page.CspViolationsAsync());
        Assert.Empty(chromium.OffHostRequests);
    }

    [Fact]
    public async Task A_20_row_manifest_started_from_the_page_is_drawn_with_each_rows_text_in_its_box_and_its_qr_code()
    {
        Assert.True(Chromium.IsInstalled, $"{Chromium.Executable} is missing: scripts/setup.sh installs Debian's chromium.");
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        var sources = infrastructure.Blobs().GetBlobContainerClient($"sources-{_suffix}");
        await sources.CreateIfNotExistsAsync();
        var blank = Rendering.TestImages.Solid(900, 600, SkiaSharp.SKColors.White);
        await sources.UploadBlobAsync("blank/white.png", BinaryData.FromBytes(blank));
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        // The boxes, in pixels: the name across the top left, the QR code at the right.
        var nameBox = new SkiaSharp.SKRectI(45, 60, 45 + 540, 60 + 120);
        var qrBox = new SkiaSharp.SKRectI(630, 300, 630 + 240, 300 + 240);
        (await producer.Http.PostAsJsonAsync("/api/templates", new
        {
            name = "badge",
            layers = new[]
            {
                new JobLayer("text", "name", new JobTextBox("Pixels", nameBox.Left, nameBox.Top, nameBox.Width, nameBox.Height), Text: "{graduate}",
                    Style: new JobStyle(FontSizeRatio: 0.12, MinFontSizeRatio: 0.04, Color: "#101828", OutlineRatio: 0)),
                new JobLayer("qr", "verify", new JobTextBox("Pixels", qrBox.Left, qrBox.Top, qrBox.Width, qrBox.Height), Value: "https://example.org/v/{id}"),
            },
            output = new { format = "Png" },
        })).EnsureSuccessStatusCode();
        var csv = new StringBuilder("image,Full name,id\n");
        for (var i = 0; i < 20; i++)
        {
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"blank/white.png,Graduate number {i},{i:D4}\n");
        }

        var manifest = Path.Combine(Directory.CreateTempSubdirectory("imagejobs-page-").FullName, "badges.csv");
        await File.WriteAllTextAsync(manifest, csv.ToString());
        await using var chromium = await Chromium.LaunchAsync(producer.Address);
        await using var context = await chromium.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 1000 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(producer.Address);
        await Expect(page.Locator("#tpl-name option[value=badge]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await page.SelectOptionAsync("#tpl-name", "badge");
        await page.SetInputFilesAsync("#tpl-manifest", manifest);
        await page.SelectOptionAsync("select[data-placeholder=graduate]", "Full name");
        await page.ClickAsync("#tpl-check");
        await Expect(page.Locator("#tpl-summary")).ToContainTextAsync("20 rows:", new() { Timeout = 30_000 });
        await page.ClickAsync("#tpl-start");
        await Expect(page.Locator("#tpl-message")).ToHaveTextAsync(new Regex("^started "), new() { Timeout = 30_000 });
        var batchId = (await page.Locator("#tpl-message").TextContentAsync())!.Split(' ')[1];

        using (var worker = ServiceHosts.Worker(infrastructure, _suffix))
        {
            await worker.StartAsync();
            try
            {
                var done = await BatchPolling.WaitForAsync(producer.Http, batchId, s => s.Done, TimeSpan.FromSeconds(120));
                Assert.Equal((20, 0), (done.Succeeded, done.Failed));
            }
            finally
            {
                await worker.StopAsync();
            }
        }

        await Expect(page.Locator($"li[data-batch='{batchId}']")).ToHaveAttributeAsync("data-percent", "100", new() { Timeout = 30_000 });
        await page.ScreenshotAsync(new() { Path = Path.Combine(Chromium.Screenshots, "page-template-batch-done.png"), FullPage = true });

        var results = infrastructure.Blobs().GetBlobContainerClient($"results-{_suffix}");
        var names = new List<string>();
        await foreach (var blob in results.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = batchId + "/" }))
        {
            names.Add(blob.Name);
        }

        Assert.Equal(20, names.Count);
        using var white = SkiaSharp.SKBitmap.Decode(blank);
        foreach (var name in names)
        {
            using var image = SkiaSharp.SKBitmap.Decode((await results.GetBlobClient(name).DownloadContentAsync()).Value.Content.ToArray());
            var index = int.Parse(name.Split('/')[1].Split('-')[0], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal($"https://example.org/v/{index:D4}", CodeReader.Read(image, ZXing.BarcodeFormat.QR_CODE, qrBox).Text);
            // Every changed pixel lies inside one of the two boxes; the text's box holds ink.
            var inkInName = 0;
            for (var y = 0; y < image.Height; y += 2)
            {
                for (var x = 0; x < image.Width; x += 2)
                {
                    if (image.GetPixel(x, y).Red < 200)
                    {
                        Assert.True(nameBox.Contains(x, y) || qrBox.Contains(x, y), $"{name}: ink at ({x}, {y}) outside the boxes");
                        inkInName += nameBox.Contains(x, y) ? 1 : 0;
                    }
                }
            }

            Assert.True(inkInName > 100, $"{name}: no text in its box");
        }

        Assert.Equal("[]", await page.CspViolationsAsync());
    }

    [Fact]
    public async Task On_a_phone_a_prefix_is_mapped_to_the_images_own_fields_and_a_report_of_1100_rows_is_paged_within_the_screen()
    {
        Assert.True(Chromium.IsInstalled, $"{Chromium.Executable} is missing: scripts/setup.sh installs Debian's chromium.");
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        var sources = infrastructure.Blobs().GetBlobContainerClient($"sources-{_suffix}");
        await sources.CreateIfNotExistsAsync();
        var image = BinaryData.FromBytes(Rendering.TestImages.Gradient(1200, 800));
        await sources.UploadBlobAsync("blank/certificate.png", image);
        for (var i = 1; i <= 3; i++)
        {
            await sources.GetBlobClient($"grads/augusta-ada-king-countess-of-lovelace-and-of-ockham-{i}.png")
                .UploadAsync(image, new BlobUploadOptions { Metadata = new Dictionary<string, string> { ["id"] = $"000{i}" } });
        }

        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        (await producer.Http.PostAsJsonAsync("/api/templates", new
        {
            name = "card",
            layers = new[]
            {
                new JobLayer("text", "name", new JobTextBox("Percent", 10, 10, 80, 15), Text: "{graduate}",
                    Style: new JobStyle(FontSizeRatio: 0.12, MinFontSizeRatio: 0.02, Color: "#101828", OutlineRatio: 0)),
                new JobLayer("qr", "verify", new JobTextBox("Percent", 70, 60, 25, 35), Value: "https://example.org/v/{id}"),
            },
        })).EnsureSuccessStatusCode();
        await using var chromium = await Chromium.LaunchAsync(producer.Address);
        await using var phone = await chromium.NewContextAsync(Chromium.Phone());
        var page = await phone.NewPageAsync();
        await page.GotoAsync(producer.Address);
        await Expect(page.Locator("#tpl-name option[value=card]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await page.SelectOptionAsync("#tpl-name", "card");

        // Every image under a prefix: its stem for the name, its metadata for the id.
        await page.Locator("input[name=tpl-mode][value=prefix]").TapAsync();
        await Expect(page.Locator("#tpl-manifest")).ToBeHiddenAsync();
        await page.Locator("#tpl-prefix").FillAsync("grads/");
        await Expect(page.Locator("#tpl-unmapped")).ToHaveTextAsync("Not mapped yet: {graduate} {id}");
        await page.SelectOptionAsync("select[data-placeholder=graduate]", "stem");
        await page.SelectOptionAsync("select[data-placeholder=id]", "meta:id");
        await Expect(page.Locator("#tpl-unmapped")).ToHaveTextAsync("Every placeholder has a column.");
        await page.Locator("#tpl-check").TapAsync();
        await Expect(page.Locator("#tpl-summary")).ToHaveTextAsync("3 rows: 3 to look at, 0 would fail.", new() { Timeout = 30_000 });
        await Expect(page.Locator("#tpl-rows li")).ToHaveCountAsync(3);
        await Expect(page.Locator("#tpl-rows li").First).ToContainTextAsync(new Regex("^row 1: name shrinks to \\d+ px"));
        await Expect(page.Locator("#tpl-pages")).ToBeHiddenAsync();
        await AssertFitsTheScreenAsync(page);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Chromium.Screenshots, "page-preflight-phone.png"), FullPage = true });
        await page.Locator("#tpl-start").TapAsync();
        await Expect(page.Locator("#tpl-message")).ToHaveTextAsync(new Regex("^started .* \\(3 images\\)$"), new() { Timeout = 30_000 });
        // The jobs carry each image's stem and metadata where the template's placeholders were.
        var jobs = await QueuedJobs.TakeDrawnAsync(infrastructure, _suffix, 3);
        Assert.Equal(["augusta-ada-king-countess-of-lovelace-and-of-ockham-1", "augusta-ada-king-countess-of-lovelace-and-of-ockham-2", "augusta-ada-king-countess-of-lovelace-and-of-ockham-3"],
            jobs.Select(j => j.Template!.Layers[0].Text));
        Assert.Equal(["https://example.org/v/0001", "https://example.org/v/0002", "https://example.org/v/0003"], jobs.Select(j => j.Template!.Layers[1].Value));

        // A manifest of 1,100 rows that all shrink: the report is read page by page, 200 rows a page.
        await page.Locator("input[name=tpl-mode][value=manifest]").TapAsync();
        var csv = new StringBuilder("image,graduate,id\n");
        for (var i = 0; i < 1_100; i++)
        {
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"blank/certificate.png,Augusta Ada King Countess of Lovelace and of Ockham {i},{i:D4}\n");
        }

        var manifest = Path.Combine(Directory.CreateTempSubdirectory("imagejobs-page-").FullName, "many.csv");
        await File.WriteAllTextAsync(manifest, csv.ToString());
        await page.SetInputFilesAsync("#tpl-manifest", manifest);
        await Expect(page.Locator("#tpl-unmapped")).ToHaveTextAsync("Every placeholder has a column.");
        await page.Locator("#tpl-check").TapAsync();
        await Expect(page.Locator("#tpl-summary")).ToHaveTextAsync("1100 rows: 1100 to look at, 0 would fail.", new() { Timeout = 60_000 });
        await Expect(page.Locator("#tpl-page")).ToHaveTextAsync("1–200 of 1100");
        Assert.True(await page.Locator("#tpl-previous").IsDisabledAsync());
        for (var from = 201; from <= 1_001; from += 200)
        {
            await page.Locator("#tpl-next").TapAsync();
            await Expect(page.Locator("#tpl-page")).ToHaveTextAsync($"{from}–{Math.Min(from + 199, 1_100)} of 1100", new() { Timeout = 60_000 });
        }

        await Expect(page.Locator("#tpl-rows li")).ToHaveCountAsync(100);
        await Expect(page.Locator("#tpl-rows li").First).ToContainTextAsync(new Regex("^line 1002: "));
        await Expect(page.Locator("#tpl-rows li").Last).ToContainTextAsync(new Regex("^line 1101: "));
        Assert.True(await page.Locator("#tpl-next").IsDisabledAsync());
        await page.Locator("#tpl-previous").TapAsync();
        await Expect(page.Locator("#tpl-page")).ToHaveTextAsync("801–1000 of 1100", new() { Timeout = 60_000 });
        await AssertFitsTheScreenAsync(page);
        Assert.Equal("[]", await page.CspViolationsAsync());
        Assert.Empty(chromium.OffHostRequests);
    }

    /// <summary>Nothing is wider than the screen, and every control of the start form can be reached on it (inside its width, not covered).</summary>
    private static async Task AssertFitsTheScreenAsync(IPage page)
    {
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), "the page is wider than a phone");
        var unreachable = await page.EvaluateAsync<string[]>("""
            [...document.querySelectorAll('#templated button, #templated select, #templated input')]
              .filter(c => c.offsetParent !== null)
              .filter(c => {
                c.scrollIntoView({ block: 'center' });
                const r = c.getBoundingClientRect();
                const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                return r.left < 0 || r.right > window.innerWidth || !(hit === c || c.contains(hit) || hit?.control === c || hit?.contains(c));
              })
              .map(c => c.id || c.name || c.outerHTML.slice(0, 60))
            """);
        Assert.Empty(unreachable);
    }
}
