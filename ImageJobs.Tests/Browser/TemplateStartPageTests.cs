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
/// and a template built in the designer run through it to the end with a worker (on a phone:
/// <see cref="TemplateStartPhoneTests"/>).
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
    public async Task A_template_built_in_the_designer_runs_20_rows_from_the_start_form_with_each_text_in_its_dragged_box_and_each_rows_qr_code()
    {
        Assert.True(Chromium.IsInstalled, $"{Chromium.Executable} is missing: scripts/setup.sh installs Debian's chromium.");
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        var sources = infrastructure.Blobs().GetBlobContainerClient($"sources-{_suffix}");
        await sources.CreateIfNotExistsAsync();
        var blank = Rendering.TestImages.Solid(900, 600, SkiaSharp.SKColors.White);
        await sources.UploadBlobAsync("blank/white.png", BinaryData.FromBytes(blank));
        await sources.UploadBlobAsync("brand/logo.png", BinaryData.FromBytes(Rendering.TestImages.Solid(200, 200, new SkiaSharp.SKColor(30, 60, 200))));
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        await using var chromium = await Chromium.LaunchAsync(producer.Address);
        await using var context = await chromium.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1366, Height = 1000 } });

        // The template, as a person builds it in the designer: two texts, a logo and a QR code, typed into and dragged.
        var designer = await context.NewPageAsync();
        await designer.GotoAsync(new Uri(new Uri(producer.Address), "/designer.html").ToString());
        await designer.FillAsync("#source-prefix", "blank/");
        await designer.DispatchEventAsync("#source-prefix", "change");
        await Expect(designer.Locator("#source")).ToHaveValueAsync("blank/white.png", new() { Timeout = 30_000 });
        await designer.UntilAsync("document.getElementById('backdrop').complete && document.getElementById('backdrop').naturalWidth > 0", TimeSpan.FromSeconds(30));
        await designer.FillAsync("#fields textarea", "{graduate}");
        await DesignerDriver.DragAsync(designer, "text-1", "move", to: (5, 8));
        await DesignerDriver.AddAsync(designer, "text");
        await designer.FillAsync("#fields textarea", "for {course}");
        await DesignerDriver.DragAsync(designer, "text-2", "move", to: (5, 38));
        await DesignerDriver.AddAsync(designer, "image");
        await designer.GetByLabel("Picture (a source's name, or {column})").FillAsync("brand/logo.png");
        await DesignerDriver.DragAsync(designer, "image-1", "move", to: (5, 70));
        await DesignerDriver.AddAsync(designer, "qr");
        await designer.GetByLabel("Value ({column} placeholders)").FillAsync("https://example.org/v/{id}");
        await DesignerDriver.DragAsync(designer, "qr-1", "move", to: (68, 62));
        await DesignerDriver.DragAsync(designer, "qr-1", "se", to: (94, 96));
        await designer.FillAsync("#template-name", "badge");
        await designer.ClickAsync("#save");
        await Expect(designer.Locator("#save-message")).ToHaveTextAsync("saved badge version 1", new() { Timeout = 30_000 });
        // Each box where it was dragged to, in the image's pixels (the stored box is the drawn one: DesignerPageTests).
        var boxes = new Dictionary<string, SkiaSharp.SKRectI>();
        foreach (var layer in new[] { "text-1", "text-2", "image-1", "qr-1" })
        {
            var box = await DesignerDriver.BoxAsync(designer, layer);
            boxes[layer] = SkiaSharp.SKRectI.Round(SkiaSharp.SKRect.Create((float)(box.X * 9), (float)(box.Y * 6), (float)(box.Width * 9), (float)(box.Height * 6)));
        }

        Assert.InRange(boxes["text-1"].Left, 40, 50);
        Assert.InRange(boxes["qr-1"].Bottom, 570, 582);

        var csv = new StringBuilder("image,Full name,course,id\n");
        for (var i = 0; i < 20; i++)
        {
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"blank/white.png,Graduate {i},Course {i % 3},{i:D4}\n");
        }

        var manifest = Path.Combine(Directory.CreateTempSubdirectory("imagejobs-page-").FullName, "badges.csv");
        await File.WriteAllTextAsync(manifest, csv.ToString());
        var page = await context.NewPageAsync();
        await page.GotoAsync(producer.Address);
        await Expect(page.Locator("#tpl-name option[value=badge]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await page.SelectOptionAsync("#tpl-name", "badge");
        await page.SetInputFilesAsync("#tpl-manifest", manifest);
        await page.SelectOptionAsync("select[data-placeholder=graduate]", "Full name");
        await Expect(page.Locator("#tpl-unmapped")).ToHaveTextAsync("Every placeholder has a column.");
        await page.ClickAsync("#tpl-check");
        await Expect(page.Locator("#tpl-summary")).ToContainTextAsync("20 rows:", new() { Timeout = 30_000 });
        await page.ClickAsync("#tpl-start");
        await Expect(page.Locator("#tpl-message")).ToHaveTextAsync(new Regex("^started .* \\(20 images\\)$"), new() { Timeout = 30_000 });
        var batchId = (await page.Locator("#tpl-message").TextContentAsync())!.Split(' ')[1];

        using (var worker = ServiceHosts.Worker(infrastructure, _suffix))
        {
            await worker.StartAsync();
            try
            {
                var done = await BatchPolling.WaitForAsync(producer.Http, batchId, s => s.Done, TimeSpan.FromSeconds(180));
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
        await foreach (var blob in results.GetBlobsAsync(new GetBlobsOptions { Prefix = batchId + "/" }))
        {
            names.Add(blob.Name);
        }

        Assert.Equal(20, names.Count);
        foreach (var name in names)
        {
            using var image = SkiaSharp.SKBitmap.Decode((await results.GetBlobClient(name).DownloadContentAsync()).Value.Content.ToArray());
            var index = int.Parse(name.Split('/')[1].Split('-')[0], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal($"https://example.org/v/{index:D4}", CodeReader.Read(image, ZXing.BarcodeFormat.QR_CODE, boxes["qr-1"]).Text);
            // Every changed pixel lies inside a box that was dragged (a pixel of slack for antialiasing); each holds ink.
            var ink = boxes.Keys.ToDictionary(k => k, _ => 0);
            for (var y = 0; y < image.Height; y += 2)
            {
                for (var x = 0; x < image.Width; x += 2)
                {
                    var pixel = image.GetPixel(x, y);
                    if (Math.Min(pixel.Red, Math.Min(pixel.Green, pixel.Blue)) > 200)
                    {
                        continue;
                    }

                    var inside = boxes.Where(b => SkiaSharp.SKRectI.Inflate(b.Value, 1, 1).Contains(x, y)).Select(b => b.Key).ToList();
                    Assert.True(inside.Count > 0, $"{name}: ink at ({x}, {y}) outside the dragged boxes");
                    inside.ForEach(k => ink[k]++);
                }
            }

            Assert.All(ink, i => Assert.True(i.Value > 40, $"{name}: no ink in {i.Key}"));
        }

        Assert.Equal("[]", await page.CspViolationsAsync());
        Assert.Equal("[]", await designer.CspViolationsAsync());
        Assert.Empty(chromium.OffHostRequests);
    }
}
