using System.Globalization;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using ImageJobs.Producer.Batches;
using ImageJobs.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ImageJobs.Tests.Browser;

/// <summary>
/// The producer's web page in real headless Chromium (Debian's, through Playwright), behind an
/// access key: a batch started from the form, followed to 100%, its results shown on a laptop and
/// a phone, with screenshots, and no request leaving the producer.
/// </summary>
[Trait("Category", "Browser")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class BatchPageTests(LocalInfrastructure infrastructure, ITestOutputHelper output)
{
    private const int Images = 40;
    private const string AccessKey = "a-key-for-the-page-test-0123456789";
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_batch_started_from_the_page_is_watched_to_100_percent_on_a_laptop_and_a_phone()
    {
        Assert.True(Chromium.IsInstalled, $"{Chromium.Executable} is missing: scripts/setup.sh installs Debian's chromium.");
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        var sources = infrastructure.Blobs().GetBlobContainerClient($"sources-{_suffix}");
        await sources.CreateIfNotExistsAsync();
        for (var i = 0; i < Images; i++)
        {
            await sources.UploadBlobAsync($"web/photo-{i:D2}.jpg", BinaryData.FromBytes(TestImages.Jpeg(i, 1280, 720)));
        }

        // Behind an access key, as in Azure: refused without it; with it (a browser sends it with every
        // request once a person has typed it at its prompt) everything below works as on loopback.
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix, new Dictionary<string, string?> { ["Access:Key"] = AccessKey });
        producer.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AccessKey);
        await using var chromium = await Chromium.LaunchAsync(producer.Address);
        await using (var stranger = await chromium.NewContextAsync(new BrowserNewContextOptions()))
        {
            // Headless, nobody answers the browser's prompt for the key: the navigation fails.
            var door = await stranger.NewPageAsync();
            var refused = await Assert.ThrowsAsync<PlaywrightException>(() => door.GotoAsync(producer.Address));
            Assert.Contains("ERR_INVALID_AUTH_CREDENTIALS", refused.Message, StringComparison.Ordinal);
            var asked = await stranger.APIRequest.GetAsync(producer.Address);
            Assert.Equal(401, asked.Status);
            Assert.StartsWith("Basic", asked.Headers["www-authenticate"], StringComparison.Ordinal);
        }

        var credentials = new HttpCredentials { Username = "person", Password = AccessKey, Origin = chromium.Site.GetLeftPart(UriPartial.Authority), Send = HttpCredentialsSend.Always };
        await using var laptop = await chromium.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            HttpCredentials = credentials,
        });
        // Before the page's own script: the signal of every preview request.
        await laptop.AddInitScriptAsync(PreviewProbe);
        var page = await laptop.NewPageAsync();
        await page.GotoAsync(producer.Address);
        await Expect(page.Locator("#status")).ToContainTextAsync("batches", new() { Timeout = 30_000 });

        // Fill in the form as a person would: the prefix, a template, a colour; the preview follows.
        await page.FillAsync("#prefix", "web/");
        await page.FillAsync("#template", "{stem} · #{index}");
        await page.FillAsync("#color", "#ffd700");
        await page.UntilAsync("document.getElementById('preview').complete && document.getElementById('preview').naturalWidth > 0", TimeSpan.FromSeconds(30));
        output.WriteLine("preview: " + await page.Locator("#preview-caption").TextContentAsync());
        // Previews asked for in quick succession: each one supersedes (aborts) the one before.
        // (The page's module is imported again as the same instance: its URL.)
        await page.EvaluateAsync("import('/app.js').then(({ preview }) => { window.previewsBefore = window.previewSignals.length; preview(); preview(); preview(); })");
        await page.UntilAsync("window.previewSignals.length >= window.previewsBefore + 3", TimeSpan.FromSeconds(30));
        Assert.True(
            await page.EvaluateAsync<bool>("window.previewSignals.slice(window.previewsBefore, -1).every(s => s && s.aborted) && !window.previewSignals.at(-1).aborted"),
            "superseded previews were not aborted");
        await page.ClickAsync("#submit");
        await Expect(page.Locator("#form-message")).ToHaveTextAsync(new Regex("^started "), new() { Timeout = 30_000 });
        var batchId = (await page.Locator("#form-message").TextContentAsync())!.Split(' ')[1];
        output.WriteLine($"batch {batchId}");
        var row = page.Locator($"#batches li[data-batch=\"{batchId}\"]");
        var percent = $"Number(document.querySelector('#batches li[data-batch=\"{batchId}\"]')?.dataset.percent ?? -1)";
        await Expect(row).ToHaveAttributeAsync("data-percent", "0", new() { Timeout = 10_000 });

        // A worker runs until the first results are in and is stopped, so the page is seen mid-batch
        // without racing its 1.5 s refresh (one worker can finish 40 small images between two).
        using (var first = ServiceHosts.Worker(infrastructure, _suffix))
        {
            await first.StartAsync();
            try
            {
                await WaitUntilAsync(producer, batchId, s => s.Succeeded > 0, TimeSpan.FromSeconds(60));
            }
            finally
            {
                await first.StopAsync();
            }
        }

        await page.UntilAsync($"{percent} > 0 && {percent} < 100", TimeSpan.FromSeconds(10));
        await page.ScreenshotAsync(new() { Path = Path.Combine(Chromium.Screenshots, "page-mid-batch.png") });
        var counts = (await row.Locator(".counts").TextContentAsync())!;
        output.WriteLine("mid-batch: " + counts);
        var shown = Regex.Match(counts, $@"^(\d+) ok · (\d+) failed · (\d+) in flight · (\d+) retrying · (\d+) queued of {Images}$");
        Assert.True(shown.Success, counts);
        var numbers = shown.Groups.Values.Skip(1).Select(g => int.Parse(g.Value, CultureInfo.InvariantCulture)).ToArray();
        Assert.InRange(numbers[0], 1, Images - 1);
        Assert.Equal(0, numbers[1]);
        Assert.Equal(Images, numbers.Sum());

        // Another worker finishes the batch; the page follows it to the end.
        using (var second = ServiceHosts.Worker(infrastructure, _suffix))
        {
            await second.StartAsync();
            try
            {
                await Expect(row).ToHaveAttributeAsync("data-percent", "100", new() { Timeout = 180_000 });
            }
            finally
            {
                await second.StopAsync();
            }
        }

        // The batch's detail: no failures, a thumbnail per result, each loaded.
        await row.ClickAsync();
        await Expect(page.Locator("#results img")).ToHaveCountAsync(Images, new() { Timeout = 30_000 });
        await page.UntilAsync("[...document.querySelectorAll('#results img')].every(i => i.complete && i.naturalWidth > 0)", TimeSpan.FromSeconds(60));
        await Expect(page.Locator("#failures li")).ToHaveTextAsync("none");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Chromium.Screenshots, "page-done.png"), FullPage = true });
        // The whole page worked under its Content-Security-Policy: nothing was blocked.
        Assert.Equal("[]", await page.CspViolationsAsync());

        // A phone, touch and all: the same batch opened there, one column, nothing wider than the screen.
        await using var phone = await chromium.NewContextAsync(Chromium.Phone(credentials));
        var small = await phone.NewPageAsync();
        await small.GotoAsync(producer.Address);
        await small.Locator($"#batches li[data-batch=\"{batchId}\"]").TapAsync(new() { Timeout = 30_000 });
        await Expect(small.Locator("#results img")).ToHaveCountAsync(Images, new() { Timeout = 30_000 });
        Assert.True(await small.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), "the page is wider than a phone");
        await small.ScreenshotAsync(new() { Path = Path.Combine(Chromium.Screenshots, "page-phone.png") });
        Assert.Equal("[]", await small.CspViolationsAsync());

        // Offline by design: not one request left the producer's origin.
        Assert.Empty(chromium.OffHostRequests);

        // The zip of all results, through the producer.
        await using var zipStream = await producer.Http.GetStreamAsync($"/api/batches/{batchId}/results.zip");
        using var copy = new MemoryStream();
        await zipStream.CopyToAsync(copy);
        copy.Position = 0;
        using var zip = new ZipArchive(copy);
        Assert.Equal(Images, zip.Entries.Count);
        Assert.All(zip.Entries, e => Assert.True(e.Length > 1000));
    }

    private const string PreviewProbe = """
        window.previewSignals = [];
        const pageFetch = window.fetch;
        window.fetch = function (input, init) {
          if (String(input).includes('/api/preview')) window.previewSignals.push(init?.signal ?? null);
          return pageFetch.apply(this, arguments);
        };
        """;

    private static async Task WaitUntilAsync(InProcessProducer producer, string batchId, Func<BatchStatus, bool> condition, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (!condition((await producer.Http.GetFromJsonAsync<BatchStatus>($"/api/batches/{batchId}", deadline.Token))!))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), deadline.Token);
        }
    }
}
