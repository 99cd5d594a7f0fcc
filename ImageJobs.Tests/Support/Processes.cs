using System.Runtime.InteropServices;

namespace ImageJobs.Tests.Support;

/// <summary>Process plumbing for tests: signals and finding processes by a marker.</summary>
public static partial class Processes
{
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int NativeKill(int pid, int signal);

    public static void Signal(int pid, int signal) => NativeKill(pid, signal);

    /// <summary>A running process's environment (empty when it is gone or not ours to read).</summary>
    public static IReadOnlyDictionary<string, string> EnvironmentOf(int pid) =>
        ReadRaw($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(entry => entry.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .GroupBy(pair => pair[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First()[1], StringComparer.Ordinal);

    /// <summary>Running processes whose command line or environment contains <paramref name="marker"/>.</summary>
    public static IReadOnlyList<(int Pid, string CommandLine)> FindByMarker(string marker)
    {
        var found = new List<(int, string)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(System.IO.Path.GetFileName(directory), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            var commandLine = Read(System.IO.Path.Combine(directory, "cmdline"));
            if (commandLine.Length == 0)
            {
                continue; // a zombie or a kernel thread
            }

            if (commandLine.Contains(marker, StringComparison.Ordinal) || Read(System.IO.Path.Combine(directory, "environ")).Contains(marker, StringComparison.Ordinal))
            {
                found.Add((pid, commandLine));
            }
        }

        return found;
    }

    /// <summary>Waits until no process carries the marker; returns those still there at the deadline.</summary>
    public static async Task<IReadOnlyList<(int Pid, string CommandLine)>> WaitUntilGoneAsync(string marker, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var left = FindByMarker(marker);
            if (left.Count == 0 || DateTime.UtcNow > deadline)
            {
                return left;
            }

            await Task.Delay(500);
        }
    }

    private static string ReadRaw(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    private static string Read(string path) => ReadRaw(path).Replace('\0', ' ');
}
