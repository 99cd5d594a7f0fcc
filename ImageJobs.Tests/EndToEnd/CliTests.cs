using System.IO.Compression;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using ImageJobs.Cli;
using ImageJobs.Tests.Support;
using SkiaSharp;
using Spectre.Console;

namespace ImageJobs.Tests.EndToEnd;

/// <summary>
/// The <c>imagejobs</c> command line against the real AppHost (local mode): the README's example
/// lines as written, then a batch with a broken image, its failures and exit codes.
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(AppHostGroup.Name)]
public sealed partial class CliTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task The_readme_example_runs_and_the_exit_codes_say_whether_every_job_succeeded()
    {
        using var data = new ScratchDirectory("imagejobs-cli-e2e");
        await using var app = await LocalAppHost.StartQuietAsync(data.Path, workers: 2, StartTimeout);
        var url = app.GetEndpoint("producer", "http").ToString();

        // The README's folder and manifest: photos/ and captions.csv naming photos/<file>.
        using var work = new ScratchDirectory("imagejobs-cli-work");
        Directory.CreateDirectory(Path.Combine(work.Path, "photos", "more"));
        var names = new[] { "a.jpg", "b.png", "more/c.jpg" };
        File.WriteAllBytes(Path.Combine(work.Path, "photos", "a.jpg"), TestImages.Jpeg(1));
        File.WriteAllBytes(Path.Combine(work.Path, "photos", "b.png"), TestImages.Png(2));
        File.WriteAllBytes(Path.Combine(work.Path, "photos", "more", "c.jpg"), TestImages.Jpeg(3));
        File.WriteAllText(Path.Combine(work.Path, "captions.csv"), "image,text,color\n" + string.Concat(names.Select(n => $"photos/{n},\"Caption, {n}\",#FFD700\n")));

        string? batchId = null;
        foreach (var line in ReadmeExample())
        {
            var args = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(a => a == "$BATCH" ? batchId! : a.StartsWith("./", StringComparison.Ordinal) || a.EndsWith(".csv", StringComparison.Ordinal) || a.EndsWith(".zip", StringComparison.Ordinal)
                    ? Path.Combine(work.Path, a) : a)
                .Concat(["--url", url]).ToArray();
            var (code, text) = await RunAsync(args);
            batchId ??= BatchIdIn(text);
            Assert.True(code == ExitCodes.Succeeded, $"'{line}' exited {code}:\n{text}");
        }

        using (var zip = ZipFile.OpenRead(Path.Combine(work.Path, "results.zip")))
        {
            Assert.Equal(names.Length, zip.Entries.Count);
            foreach (var entry in zip.Entries)
            {
                using var stream = entry.Open();
                using var copy = new MemoryStream();
                await stream.CopyToAsync(copy);
                Assert.NotNull(SKBitmap.Decode(copy.ToArray()));
            }
        }

        // A broken image: the batch ends with a failure, and every command's exit code says so.
        Directory.CreateDirectory(Path.Combine(work.Path, "mixed"));
        File.WriteAllBytes(Path.Combine(work.Path, "mixed", "good.jpg"), TestImages.Jpeg(4));
        File.WriteAllBytes(Path.Combine(work.Path, "mixed", "broken.jpg"), TestImages.Jpeg(5)[..300]);
        File.WriteAllText(Path.Combine(work.Path, "mixed.csv"), "image,text\nmixed/good.jpg,Good\nmixed/broken.jpg,Broken\n");
        string[] submit = ["submit", Path.Combine(work.Path, "mixed"), "--manifest", Path.Combine(work.Path, "mixed.csv"), "--url", url];
        var (failedCode, failedText) = await RunAsync([.. submit, "--wait", "--out", Path.Combine(work.Path, "mixed.zip")]);
        Assert.True(failedCode == ExitCodes.JobsFailed, failedText);
        var mixed = BatchIdIn(failedText);
        Assert.Contains("1 of 2 succeeded, 1 failed", failedText, StringComparison.Ordinal);

        var (failuresCode, failuresText) = await RunAsync(["failures", mixed, "--url", url]);
        Assert.Equal(ExitCodes.JobsFailed, failuresCode);
        Assert.Contains($"{mixed}-", failuresText, StringComparison.Ordinal);
        Assert.Matches("image\\.(corrupt|truncated)", failuresText);
        Assert.Equal(ExitCodes.JobsFailed, (await RunAsync(["status", mixed, "--url", url])).Code);

        // The same command again names the same batch (its idempotency key), and publishes nothing twice.
        var (againCode, againText) = await RunAsync(submit);
        Assert.Equal((ExitCodes.Succeeded, mixed), (againCode, BatchIdIn(againText)));
        Assert.Equal(ExitCodes.Invalid, (await RunAsync(["status", "no-such-batch", "--url", url])).Code);
        var (templatesCode, templatesText) = await RunAsync(["templates", "--url", url]);
        Assert.Equal((ExitCodes.Succeeded, true), (templatesCode, templatesText.Contains("0 templates.", StringComparison.Ordinal)));

        // A stored template: submit --template fills its placeholder from the manifest's column.
        using (var http = new HttpClient { BaseAddress = new Uri(url) })
        using (var created = await http.PostAsJsonAsync("api/templates", new { name = "cli-card", layers = new[] { new { kind = "text", name = "who", text = "{name}" } } }))
        {
            Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        }

        File.WriteAllText(Path.Combine(work.Path, "cards.csv"), "image,name\nmixed/good.jpg,Ada Lovelace\n");
        var (cardCode, cardText) = await RunAsync(["submit", Path.Combine(work.Path, "mixed"), "--manifest", Path.Combine(work.Path, "cards.csv"),
            "--template", "cli-card", "--wait", "--out", Path.Combine(work.Path, "cards.zip"), "--url", url]);
        Assert.True(cardCode == ExitCodes.Succeeded, cardText);
        Assert.Contains("1 of 1 succeeded", cardText, StringComparison.Ordinal);
        Assert.Contains("cli-card", (await RunAsync(["templates", "--url", url])).Text, StringComparison.Ordinal);

        // Pause, resume, cancel: a batch long enough for each to come mid-batch; a resume after the cancel is refused.
        Directory.CreateDirectory(Path.Combine(work.Path, "long"));
        for (var i = 0; i < 5; i++)
        {
            File.WriteAllBytes(Path.Combine(work.Path, "long", $"{i}.jpg"), TestImages.Jpeg(10 + i, 1600, 900));
        }

        File.WriteAllText(Path.Combine(work.Path, "long.csv"), "image,text\n" + string.Concat(Enumerable.Range(0, 300).Select(i => $"long/{i % 5}.jpg,Long #{i}\n")));
        var (longCode, longText) = await RunAsync(["submit", Path.Combine(work.Path, "long"), "--manifest", Path.Combine(work.Path, "long.csv"), "--url", url]);
        Assert.Equal(ExitCodes.Succeeded, longCode);
        var longBatch = BatchIdIn(longText);
        var (pauseCode, pauseText) = await RunAsync(["pause", longBatch, "--url", url]);
        Assert.True(pauseCode == ExitCodes.Succeeded && pauseText.Contains(": paused.", StringComparison.Ordinal), pauseText);
        var (resumeCode, resumeText) = await RunAsync(["resume", longBatch, "--url", url]);
        Assert.True(resumeCode == ExitCodes.Succeeded && resumeText.Contains(": running.", StringComparison.Ordinal), resumeText);
        var (cancelCode, cancelText) = await RunAsync(["cancel", longBatch, "--url", url]);
        Assert.True(cancelCode == ExitCodes.Succeeded && cancelText.Contains(": cancelling.", StringComparison.Ordinal), cancelText);
        var (refusedCode, refusedText) = await RunAsync(["resume", longBatch, "--url", url]);
        Assert.Equal((ExitCodes.Invalid, true), (refusedCode, refusedText.Contains("batch.cancelled", StringComparison.Ordinal)));
        var (endedCode, endedText) = await RunAsync(["status", longBatch, "--wait", "--url", url]);
        Assert.True(endedCode == ExitCodes.Cancelled, endedText);
        Assert.Contains("cancelled.", endedText, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Invalid, (await RunAsync(["cancel", "no-such-batch", "--url", url])).Code);
    }

    /// <summary>The README's example lines (the bash block after the cli-example marker).</summary>
    private static string[] ReadmeExample()
    {
        var lines = ReadmeExamples.BashBlockAfter("<!-- cli-example").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, l => Assert.StartsWith("imagejobs ", l, StringComparison.Ordinal));
        Assert.Equal(4, lines.Length);
        return lines;
    }

    private async Task<(int Code, string Text)> RunAsync(string[] args)
    {
        var text = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Out = new AnsiConsoleOutput(text) });
        var code = await CliApp.RunAsync(args, console, _ => null);
        output.WriteLine($"$ imagejobs {string.Join(' ', args)}  => {code}\n{text}");
        return (code, text.ToString());
    }

    private static string BatchIdIn(string text) => BatchLine().Match(text) is { Success: true } match ? match.Groups[1].Value : throw new Xunit.Sdk.XunitException("No batch id in:\n" + text);

    [GeneratedRegex(@"Batch (\S+): \d+ jobs")]
    private static partial Regex BatchLine();
}
