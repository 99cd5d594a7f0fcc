using System.Diagnostics;

namespace ImageJobs.Tests.Support;

/// <summary>docs/examples: an example's one command (its run.sh), run as a newcomer runs it.</summary>
public static class ExampleScripts
{
    public static string Folder => Path.Combine(Repository.Root, "docs", "examples");

    /// <summary>bash docs/examples/EXAMPLE/run.sh URL, with <paramref name="key"/> as IMAGEJOBS_KEY when given (and none otherwise): its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output, string Errors)> RunAsync(string example, string url, string? key = null)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(Folder, example, "run.sh"), url])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.Environment.Remove("IMAGEJOBS_KEY");
        if (key is not null)
        {
            start.Environment["IMAGEJOBS_KEY"] = key;
        }

        using var bash = Process.Start(start)!;
        var output = bash.StandardOutput.ReadToEndAsync();
        var errors = await bash.StandardError.ReadToEndAsync();
        await bash.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        return (bash.ExitCode, await output, errors);
    }
}
