using System.Net.Http.Json;
using ImageJobs.Producer.Batches;
using ImageJobs.Tests.Support;
using Microsoft.Extensions.Hosting;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ImageJobs.Tests.Browser;

/// <summary>
/// The page's Pause, Resume and Cancel buttons in real headless Chromium, against a real producer
/// and workers: each changes the batch as the API says, Cancel asks first, and the progress shows
/// paused, held and cancelled jobs.
/// </summary>
[Trait("Category", "Browser")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class BatchControlPageTests(LocalInfrastructure infrastructure, ITestOutputHelper output) : IAsyncLifetime
{
    // Enough that jobs are still queued when the cancel reaches the worker (up to CheckEvery +
    // CacheFor after the click): on the Blocks path one worker could finish 150 before that.
    private const int Jobs = 600;
    private readonly string _suffix = "ctlpage" + Guid.NewGuid().ToString("N")[..8];

    public Task InitializeAsync() => ServiceHosts.ResetQueuesAsync(infrastructure);

    public async Task DisposeAsync()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await infrastructure.Tables().DeleteTableAsync(LocalInfrastructure.TableName(_suffix));
    }

    [Fact]
    public async Task Pause_resume_and_a_confirmed_cancel_from_the_page_change_the_batch_and_its_progress_shows_them()
    {
        Assert.True(Chromium.IsInstalled, $"{Chromium.Executable} is missing: scripts/setup.sh installs Debian's chromium.");
        var sources = infrastructure.Blobs().GetBlobContainerClient($"sources-{_suffix}");
        await sources.CreateIfNotExistsAsync();
        await Parallel.ForAsync(0, 10, async (i, ct) => await sources.UploadBlobAsync($"page/{i}.jpg", BinaryData.FromBytes(TestImages.Jpeg(i, 1600, 900)), ct));
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix, new Dictionary<string, string?> { ["Control:CheckEvery"] = "00:00:00.5" });
        using var response = await producer.Http.PostAsJsonAsync("/api/batches", new SubmitBatchRequest
        {
            Items = [.. Enumerable.Range(0, Jobs).Select(i => new BatchItem($"page/{i % 10}.jpg", $"page #{i}"))],
        });
        var batchId = (await response.Content.ReadFromJsonAsync<BatchAccepted>())!.BatchId;
        using var worker = ServiceHosts.Worker(infrastructure, _suffix, settings: new Dictionary<string, string?> { ["Control:CacheFor"] = "00:00:01" });
        await worker.StartAsync();
        try
        {
            await using var chromium = await Chromium.LaunchAsync(producer.Address);
            await using var context = await chromium.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
            var page = await context.NewPageAsync();
            var dialogs = new List<string>();
            var acceptNext = false;
            page.Dialog += async (_, dialog) =>
            {
                dialogs.Add(dialog.Message);
                await (acceptNext ? dialog.AcceptAsync() : dialog.DismissAsync());
            };
            await page.GotoAsync(producer.Address);
            var row = page.Locator($"li[data-batch='{batchId}']");
            await Expect(row).ToBeVisibleAsync(new() { Timeout = 30_000 });
            await Expect(page.Locator("#pause-batch")).ToBeDisabledAsync();
            await row.ClickAsync();
            await BatchPolling.WaitForAsync(producer.Http, batchId, s => s.Succeeded >= 5, TimeSpan.FromMinutes(1));

            await page.ClickAsync("#pause-batch");
            await Expect(page.Locator("#control-message")).ToHaveTextAsync("paused", new() { Timeout = 30_000 });
            await Expect(row).ToHaveAttributeAsync("data-state", "paused", new() { Timeout = 30_000 });
            await Expect(page.Locator("#pause-batch")).ToBeDisabledAsync();
            await Expect(page.Locator("#resume-batch")).ToBeEnabledAsync();
            var paused = await BatchPolling.WaitForAsync(producer.Http, batchId, s => s.Held > 0, TimeSpan.FromMinutes(1));
            Assert.Equal(BatchStates.Paused, paused.State);
            await Expect(row.Locator(".counts")).ToContainTextAsync(" held", new() { Timeout = 30_000 });
            await Expect(row.Locator(".state")).ToHaveTextAsync("paused");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.Screenshots, "page-paused.png") });

            await page.ClickAsync("#resume-batch");
            await Expect(page.Locator("#control-message")).ToHaveTextAsync("running", new() { Timeout = 30_000 });
            await Expect(row).ToHaveAttributeAsync("data-state", "running", new() { Timeout = 30_000 });

            // Cancel asks first: dismissed, nothing changes; accepted, the batch is cancelled.
            await page.ClickAsync("#cancel-batch");
            Assert.Contains(batchId, Assert.Single(dialogs), StringComparison.Ordinal);
            Assert.Equal(BatchStates.Running, (await producer.Http.GetFromJsonAsync<BatchStatus>($"/api/batches/{batchId}"))!.State);
            acceptNext = true;
            await page.ClickAsync("#cancel-batch");
            Assert.Equal(2, dialogs.Count);
            await Expect(row).ToHaveAttributeAsync("data-state", "cancelled", new() { Timeout = 60_000 });
            var status = (await producer.Http.GetFromJsonAsync<BatchStatus>($"/api/batches/{batchId}"))!;
            output.WriteLine($"{status.Succeeded} succeeded, {status.Cancelled} cancelled");
            Assert.Equal((Jobs, 0, true), (status.Succeeded + status.Cancelled, status.Failed, status.Cancelled > 0));
            await Expect(row.Locator(".counts")).ToContainTextAsync($"{status.Cancelled} cancelled");
            await Expect(page.Locator("#cancel-batch")).ToBeDisabledAsync();
            await Expect(page.Locator("#resume-batch")).ToBeDisabledAsync();
            Assert.Empty(chromium.OffHostRequests);
        }
        finally
        {
            await worker.StopAsync();
        }
    }
}
