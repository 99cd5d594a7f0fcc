using System.Globalization;
using System.Runtime.InteropServices;

namespace ImageJobs.Benchmarks;

/// <summary>Reads another process's figures from /proc (Linux): resident memory and CPU time.</summary>
public static partial class ProcFiles
{
    private const double ClockTicksPerSecond = 100; // USER_HZ: 100 on every Linux ABI .NET runs on

    /// <summary>A /proc file's text with NULs as spaces, or empty if the process is gone.</summary>
    public static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path).Replace('\0', ' ');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    /// <summary>VmRSS of the process in bytes, or -1 if it is gone.</summary>
    public static long Resident(int pid)
    {
        foreach (var line in Read($"/proc/{pid}/status").Split('\n'))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return -1;
    }

    /// <summary>User and system CPU time of the process so far, in seconds (0 if it is gone).</summary>
    public static (double User, double System) Cpu(int pid)
    {
        var stat = Read($"/proc/{pid}/stat");
        if (stat.Length == 0)
        {
            return (0, 0);
        }

        // Fields after the command name (in parentheses, may hold spaces): utime and stime are the 12th and 13th.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) / ClockTicksPerSecond, long.Parse(fields[12], CultureInfo.InvariantCulture) / ClockTicksPerSecond);
    }

    public static string Machine()
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        var memory = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return string.Create(CultureInfo.InvariantCulture,
            $"{Environment.ProcessorCount} cores ({cpu}), {long.Parse(memory, CultureInfo.InvariantCulture) / (1024.0 * 1024):0.0} GiB memory, {Environment.OSVersion}, .NET {Environment.Version}");
    }

    /// <summary>The 1, 5 and 15 minute load averages.</summary>
    public static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    /// <summary>Sends SIGTERM: the process stops as on a rolling deploy.</summary>
    public static int Terminate(int pid) => Kill(pid, 15);

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
