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

    /// <summary>
    /// Where pages' screenshots go: the test output by default, so a run leaves the tree clean; with
    /// IMAGEJOBS_UPDATE_SCREENSHOTS=1 the README's, in docs/screenshots.
    /// </summary>
    public static string Screenshots { get; } = Environment.GetEnvironmentVariable("IMAGEJOBS_UPDATE_SCREENSHOTS") == "1"
        ? Path.Combine(Repository.Root, "docs", "screenshots")
        : Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;

    /// <summary>A phone: 390 x 844 CSS pixels at 3x, touch, mobile viewport rules.</summary>
    public static BrowserNewContextOptions Phone(HttpCredentials? credentials = null) => new()
    {
        ViewportSize = new ViewportSize { Width = 390, Height = 844 },
        DeviceScaleFactor = 3,
        IsMobile = true,
        HasTouch = true,
        HttpCredentials = credentials,
    };

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

    /// <summary>
    /// A fresh context (cookies, cache, viewport) whose off-site requests are refused, and whose
    /// pages record every Content-Security-Policy violation before their own scripts run
    /// (<see cref="PageWaits.CspViolationsAsync"/>).
    /// </summary>
    public async Task<IBrowserContext> NewContextAsync(BrowserNewContextOptions options)
    {
        var context = await Browser.NewContextAsync(options);
        await context.AddInitScriptAsync("""
            window.cspViolations = [];
            document.addEventListener('securitypolicyviolation', e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
            """);
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
    /// <summary>The page's Content-Security-Policy violations so far, as JSON (<c>[]</c>: none).</summary>
    public static Task<string> CspViolationsAsync(this IPage page) => page.EvaluateAsync<string>("JSON.stringify(window.cspViolations)");

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
