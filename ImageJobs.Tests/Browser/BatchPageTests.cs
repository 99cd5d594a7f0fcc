using System.Globalization;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ImageJobs.Producer.Batches;
using ImageJobs.Tests.Support;

namespace ImageJobs.Tests.Browser;

/// <summary>
/// The producer's web page in real headless Chromium (Debian's), driven over the DevTools
/// protocol, behind an access key: a batch started from the form, followed to 100%, its results
/// shown, with screenshots.
/// </summary>
[Trait("Category", "Browser")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class BatchPageTests(LocalInfrastructure infrastructure, ITestOutputHelper output)
{
    private const int Images = 40;
    private const string AccessKey = "a-key-for-the-page-test-0123456789";
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    /// <summary>
    /// Test output by default, so a test run leaves the tree clean; with
    /// IMAGEJOBS_UPDATE_SCREENSHOTS=1 the README's screenshots in docs/screenshots are refreshed.
    /// </summary>
    private static string Screenshots { get; } = Environment.GetEnvironmentVariable("IMAGEJOBS_UPDATE_SCREENSHOTS") == "1"
        ? Path.Combine(Repository.Root, "docs", "screenshots")
        : Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;

    [Fact]
    public async Task A_batch_started_from_the_page_is_watched_to_100_percent_on_a_laptop_and_a_phone()
    {
        Assert.True(HeadlessChromium.IsInstalled, $"{HeadlessChromium.Executable} is missing: scripts/setup.sh installs Debian's chromium.");
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
        await using var browser = await HeadlessChromium.StartAsync(producer.Address);
        // Headless, nobody answers the browser's prompt: it shows its error page instead of ours.
        await browser.WaitForAsync("location.href.startsWith('chrome-error:')", TimeSpan.FromSeconds(30));
        Assert.Null((await browser.EvaluateAsync("document.getElementById('status')?.textContent"))?.ToString());
        await browser.SendWithEveryRequestAsync(new Dictionary<string, string>
        {
            ["Authorization"] = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("person:" + AccessKey)),
        });
        // Before the page's own script: every Content-Security-Policy violation, and the signal of every preview request.
        await browser.SendAsync("Page.addScriptToEvaluateOnNewDocument", new JsonObject { ["source"] = """
            window.cspViolations = [];
            document.addEventListener('securitypolicyviolation', e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
            window.previewSignals = [];
            const pageFetch = window.fetch;
            window.fetch = function (input, init) {
              if (String(input).includes('/api/preview')) window.previewSignals.push(init?.signal ?? null);
              return pageFetch.apply(this, arguments);
            };
            """ });
        await browser.NavigateAsync(producer.Address);
        await browser.ViewportAsync(1280, 900);
        await browser.WaitForAsync("document.getElementById('status')?.textContent.includes('batches')", TimeSpan.FromSeconds(30));

        // Fill in the form as a person would: the prefix, a template, a colour; the preview follows.
        await browser.EvaluateAsync("""
            (() => {
              const set = (id, value) => { const e = document.getElementById(id); e.value = value; e.dispatchEvent(new Event('input')); };
              set('prefix', 'web/'); set('template', '{stem} · #{index}'); set('color', '#ffd700');
            })()
            """);
        await browser.WaitForAsync("document.getElementById('preview').complete && document.getElementById('preview').naturalWidth > 0", TimeSpan.FromSeconds(30));
        output.WriteLine("preview: " + await browser.EvaluateAsync("document.getElementById('preview-caption').textContent"));
        // Previews asked for in quick succession: each one supersedes (aborts) the one before.
        await browser.EvaluateAsync("window.previewsBefore = window.previewSignals.length; preview(); preview(); preview();");
        await browser.WaitForAsync("window.previewSignals.length >= window.previewsBefore + 3", TimeSpan.FromSeconds(30));
        Assert.True(((JsonValue)(await browser.EvaluateAsync(
            "window.previewSignals.slice(window.previewsBefore, -1).every(s => s && s.aborted) && !window.previewSignals.at(-1).aborted"))!).GetValue<bool>(),
            "superseded previews were not aborted");
        await browser.EvaluateAsync("document.getElementById('submit').click()");
        await browser.WaitForAsync("document.getElementById('form-message').textContent.startsWith('started')", TimeSpan.FromSeconds(30));
        var batchId = (string)(await browser.EvaluateAsync("document.getElementById('form-message').textContent.split(' ')[1]"))!;
        output.WriteLine($"batch {batchId}");
        var percent = $"Number(document.querySelector('#batches li[data-batch=\"{batchId}\"]')?.dataset.percent ?? -1)";
        await browser.WaitForAsync($"{percent} === 0", TimeSpan.FromSeconds(10));

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

        await browser.WaitForAsync($"{percent} > 0 && {percent} < 100", TimeSpan.FromSeconds(10));
        await browser.ScreenshotAsync(Path.Combine(Screenshots, "page-mid-batch.png"));
        var counts = (string)(await browser.EvaluateAsync($"document.querySelector('#batches li[data-batch=\"{batchId}\"] .counts').textContent"))!;
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
                await browser.WaitForAsync($"{percent} === 100", TimeSpan.FromSeconds(180));
            }
            finally
            {
                await second.StopAsync();
            }
        }

        // The batch's detail: no failures, a thumbnail per result, each loaded.
        await browser.EvaluateAsync($"document.querySelector('#batches li[data-batch=\"{batchId}\"]').click()");
        await browser.WaitForAsync($"document.querySelectorAll('#results img').length === {Images}", TimeSpan.FromSeconds(30));
        await browser.WaitForAsync("[...document.querySelectorAll('#results img')].every(i => i.complete && i.naturalWidth > 0)", TimeSpan.FromSeconds(60));
        Assert.Equal("none", (string?)await browser.EvaluateAsync("document.querySelector('#failures li').textContent"));
        await browser.ScreenshotAsync(Path.Combine(Screenshots, "page-done.png"), fullPage: true);

        // A phone: one column, nothing wider than the screen.
        await browser.ViewportAsync(390, 844, mobile: true);
        await browser.EvaluateAsync("window.scrollTo(0, 0)");
        Assert.True(((JsonValue)(await browser.EvaluateAsync("document.documentElement.scrollWidth <= window.innerWidth"))!).GetValue<bool>(), "the page is wider than a phone");
        await browser.ScreenshotAsync(Path.Combine(Screenshots, "page-phone.png"));

        // The whole page worked under its Content-Security-Policy: nothing was blocked.
        Assert.Equal("[]", (await browser.EvaluateAsync("JSON.stringify(window.cspViolations)"))?.ToString());

        // The zip of all results, through the producer.
        await using var zipStream = await producer.Http.GetStreamAsync($"/api/batches/{batchId}/results.zip");
        using var copy = new MemoryStream();
        await zipStream.CopyToAsync(copy);
        copy.Position = 0;
        using var zip = new ZipArchive(copy);
        Assert.Equal(Images, zip.Entries.Count);
        Assert.All(zip.Entries, e => Assert.True(e.Length > 1000));
    }

    private static async Task WaitUntilAsync(InProcessProducer producer, string batchId, Func<BatchStatus, bool> condition, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (!condition((await producer.Http.GetFromJsonAsync<BatchStatus>($"/api/batches/{batchId}", deadline.Token))!))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), deadline.Token);
        }
    }
}
