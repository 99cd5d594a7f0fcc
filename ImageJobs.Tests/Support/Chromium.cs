using Microsoft.Playwright;

namespace ImageJobs.Tests.Support;

/// <summary>
/// Debian's Chromium, headless, through Playwright: the browser is the system's
/// (<see cref="Executable"/>), so nothing is downloaded. Requests to any host but the one under
/// test are refused and recorded, so a page that reaches for the network fails its test.
/// </summary>
public sealed class Chromium : IAsyncDisposable
{
    public const string Executable = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly List<string> _offHost = [];

    private Chromium(IPlaywright playwright, IBrowser browser, Uri site)
    {
        _playwright = playwright;
        Browser = browser;
        Site = site;
    }

    public static bool IsInstalled => File.Exists(Executable);

    public IBrowser Browser { get; }

    public Uri Site { get; }

    /// <summary>Every request a page made to another origin than <see cref="Site"/>.</summary>
    public IReadOnlyList<string> OffHostRequests
    {
        get
        {
            lock (_offHost)
            {
                return [.. _offHost];
            }
        }
    }

    public static async Task<Chromium> LaunchAsync(string site)
    {
        var playwright = await Playwright.CreateAsync();
        try
        {
            // The flags keep Chromium off the network (this machine has none) and out of first-run screens.
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = Executable,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
            });
            return new Chromium(playwright, browser, new Uri(site));
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>A fresh context (cookies, cache, viewport) whose off-site requests are refused.</summary>
    public async Task<IBrowserContext> NewContextAsync(BrowserNewContextOptions options)
    {
        var context = await Browser.NewContextAsync(options);
        await context.RouteAsync(url => !IsOnSite(url), async route =>
        {
            lock (_offHost)
            {
                _offHost.Add(route.Request.Url);
            }

            await route.AbortAsync("blockedbyclient");
        });
        return context;
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.CloseAsync();
        _playwright.Dispose();
    }

    private bool IsOnSite(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.Scheme is "data" or "blob" or "about" || Uri.Compare(uri, Site, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0);
}

public static class PageWaits
{
    /// <summary>
    /// Polls a JavaScript condition until it is true. Playwright's WaitForFunction compiles its
    /// predicate inside the page, which a strict Content-Security-Policy (no unsafe-eval) refuses;
    /// an evaluation from outside is not bound by it.
    /// </summary>
    public static async Task UntilAsync(this IPage page, string condition, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (!await page.EvaluateAsync<bool>(condition))
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"still false after {timeout.TotalSeconds:0} s: {condition}");
            }
        }
    }
}
