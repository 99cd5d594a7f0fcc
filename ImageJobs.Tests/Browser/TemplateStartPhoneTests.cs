using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;
using Azure.Storage.Blobs.Models;
using ImageJobs.Contracts.Styles;
using ImageJobs.Contracts.Templates;
using ImageJobs.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ImageJobs.Tests.Browser;

/// <summary>
/// The start form for a stored template on a phone (touch, 390 x 844) in real headless Chromium: a
/// prefix mapped to the images' own fields, checked and started, and a report of 1,100 rows paged to
/// its end, with nothing wider than the screen and every control of the form reachable on it.
/// </summary>
[Trait("Category", "Browser")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class TemplateStartPhoneTests(LocalInfrastructure infrastructure)
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

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
