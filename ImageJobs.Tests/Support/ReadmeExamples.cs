using System.Diagnostics;

namespace ImageJobs.Tests.Support;

/// <summary>The README's example blocks, read from the file and run as written against a test's producer.</summary>
public static class ReadmeExamples
{
    public const string ProducerAddress = "http://localhost:5280";

    /// <summary>The text of the first <c>```bash</c> block after <paramref name="marker"/> in the README.</summary>
    public static string BashBlockAfter(string marker)
    {
        var readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));
        var at = readme.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, $"the README has no '{marker}'");
        var block = readme[at..];
        block = block[(block.IndexOf("```bash\n", StringComparison.Ordinal) + 8)..];
        return block[..block.IndexOf("```", StringComparison.Ordinal)];
    }

    /// <summary>Runs <paramref name="script"/> in bash (<c>-euo pipefail</c>) with the README's producer address replaced by <paramref name="producer"/>; its standard output, once it exited 0.</summary>
    public static async Task<string> RunAsync(string script, string producer, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("bash", ["-euo", "pipefail", "-c", script.Replace(ProducerAddress, producer.TrimEnd('/'), StringComparison.Ordinal)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var bash = Process.Start(start)!;
        var stdout = bash.StandardOutput.ReadToEndAsync();
        var stderr = await bash.StandardError.ReadToEndAsync();
        await bash.WaitForExitAsync();
        Assert.True(bash.ExitCode == 0, $"{script}: exit {bash.ExitCode}: {stderr}");
        return await stdout;
    }
}
