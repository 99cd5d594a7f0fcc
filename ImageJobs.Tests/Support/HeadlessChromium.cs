using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ImageJobs.Tests.Support;

/// <summary>
/// Debian's Chromium, headless, driven over the DevTools protocol with a plain WebSocket: no
/// browser download, no driver package. One page; commands are sent one at a time.
/// </summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    public const string Executable = "/usr/bin/chromium";

    private readonly Process _process;
    private readonly ScratchDirectory _profile;
    private readonly ClientWebSocket _socket = new();
    private int _nextId;

    private HeadlessChromium(Process process, ScratchDirectory profile)
    {
        _process = process;
        _profile = profile;
    }

    public static bool IsInstalled => File.Exists(Executable);

    public static async Task<HeadlessChromium> StartAsync(string url)
    {
        var profile = new ScratchDirectory("imagejobs-chromium");
        // The flags keep Chromium off the network (this machine has none) and out of first-run screens.
        var start = new ProcessStartInfo(Executable,
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", "--remote-debugging-port=0", $"--user-data-dir={profile.Path}",
            "--window-size=1280,900", url,
        ])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, _) => { };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var browser = new HeadlessChromium(process, profile);

        // Chromium writes the port it chose to DevToolsActivePort in the profile.
        var portFile = Path.Combine(profile.Path, "DevToolsActivePort");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!File.Exists(portFile) || (await File.ReadAllLinesAsync(portFile)).Length < 2)
        {
            if (DateTime.UtcNow > deadline || process.HasExited)
            {
                await browser.DisposeAsync();
                throw new TimeoutException("Chromium did not open its DevTools port.");
            }

            await Task.Delay(100);
        }

        var port = (await File.ReadAllLinesAsync(portFile))[0];
        using var http = new HttpClient();
        var targets = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/json/list"))!.AsArray();
        var page = targets.First(t => (string?)t!["type"] == "page")!;
        await browser._socket.ConnectAsync(new Uri((string)page["webSocketDebuggerUrl"]!), CancellationToken.None);
        await browser.SendAsync("Page.enable");
        await browser.SendAsync("Runtime.enable");
        return browser;
    }

    public async Task<JsonNode?> SendAsync(string method, JsonObject? parameters = null)
    {
        var id = ++_nextId;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var reply = await ReceiveAsync(timeout.Token);
            if ((int?)reply["id"] == id)
            {
                return reply["error"] is { } error ? throw new InvalidOperationException($"{method}: {error.ToJsonString()}") : reply["result"];
            }
        }
    }

    private async Task<JsonNode> ReceiveAsync(CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        WebSocketReceiveResult result;
        do
        {
            result = await _socket.ReceiveAsync(chunk, cancellationToken);
            buffer.Write(chunk, 0, result.Count);
        }
        while (!result.EndOfMessage);
        return JsonNode.Parse(buffer.ToArray())!;
    }

    /// <summary>Evaluates a JavaScript expression in the page (awaiting a promise) and returns its value as JSON.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject
        {
            ["expression"] = expression,
            ["awaitPromise"] = true,
            ["returnByValue"] = true,
        });
        if (result?["exceptionDetails"] is { } exception)
        {
            throw new InvalidOperationException($"JavaScript failed: {exception.ToJsonString()}");
        }

        return result?["result"]?["value"];
    }

    public async Task WaitForAsync(string condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (await EvaluateBetweenDocumentsAsync($"Boolean({condition})") is not JsonValue value || !value.GetValue<bool>())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The page never satisfied: {condition}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>
    /// As <see cref="EvaluateAsync"/>, but null while the page is between two documents (a
    /// navigation has torn down the old context and the new one is not there yet), so a wait
    /// for a navigation's end does not fail at its start.
    /// </summary>
    private async Task<JsonNode?> EvaluateBetweenDocumentsAsync(string expression)
    {
        try
        {
            return await EvaluateAsync(expression);
        }
        catch (InvalidOperationException ex) when (ex.Message.Contains("Cannot find default execution context", StringComparison.Ordinal)
            || ex.Message.Contains("Execution context was destroyed", StringComparison.Ordinal))
        {
            return null;
        }
    }

    /// <summary>
    /// Sends <paramref name="headers"/> with every request the page makes from now on: what a browser
    /// does with the credentials a person typed at its prompt.
    /// </summary>
    public async Task SendWithEveryRequestAsync(IReadOnlyDictionary<string, string> headers)
    {
        await SendAsync("Network.enable");
        var values = new JsonObject();
        foreach (var (name, value) in headers)
        {
            values[name] = value;
        }

        await SendAsync("Network.setExtraHTTPHeaders", new JsonObject { ["headers"] = values });
    }

    public Task NavigateAsync(string url) => SendAsync("Page.navigate", new JsonObject { ["url"] = url });

    /// <summary>Sets the viewport: a laptop, or a phone (mobile emulation with its device scale).</summary>
    public Task ViewportAsync(int width, int height, bool mobile = false) =>
        SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject
        {
            ["width"] = width,
            ["height"] = height,
            ["deviceScaleFactor"] = mobile ? 2 : 1,
            ["mobile"] = mobile,
        });

    public async Task ScreenshotAsync(string path, bool fullPage = false)
    {
        var parameters = new JsonObject { ["format"] = "png", ["captureBeyondViewport"] = fullPage };
        var result = await SendAsync("Page.captureScreenshot", parameters);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, Convert.FromBase64String((string)result!["data"]!));
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        _process.Dispose();
        _profile.Dispose();
    }
}
