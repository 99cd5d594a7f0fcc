using System.Globalization;
using System.Runtime.InteropServices;

namespace ImageJobs.Benchmarks;

/// <summary>Resident memory of this process and the peak of its finished children (Linux).</summary>
public static partial class ProcessMemory
{
    /// <summary>
    /// Collects garbage and gives freed native memory back to the system (glibc malloc_trim), so the
    /// RSS that follows is what the process really holds; returns it.
    /// </summary>
    public static long Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        _ = MallocTrim(0);
        return Resident();
    }

    /// <summary>Current resident set size (VmRSS), bytes.</summary>
    public static long Resident() => Status("VmRSS:");

    /// <summary>Peak resident set size since start or the last <see cref="ResetPeak"/> (VmHWM), bytes.</summary>
    public static long Peak() => Status("VmHWM:");

    /// <summary>Resets VmHWM to the current RSS ("5" to /proc/self/clear_refs).</summary>
    public static void ResetPeak() => File.WriteAllText("/proc/self/clear_refs", "5");

    /// <summary>The largest peak RSS of any child process waited for so far (getrusage RUSAGE_CHILDREN), bytes.</summary>
    public static long LargestChildPeak()
    {
        var usage = default(RUsage);
        return GetRUsage(RUsageChildren, ref usage) == 0 ? usage.MaxResidentKiB * 1024 : -1;
    }

    /// <summary>User plus system CPU time of every child process waited for so far (getrusage RUSAGE_CHILDREN).</summary>
    public static TimeSpan ChildrenCpu()
    {
        var usage = default(RUsage);
        return GetRUsage(RUsageChildren, ref usage) == 0
            ? TimeSpan.FromSeconds(usage.UserSeconds + usage.SystemSeconds) + TimeSpan.FromMicroseconds(usage.UserMicroseconds + usage.SystemMicroseconds)
            : TimeSpan.Zero;
    }

    private static long Status(string key)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                var kib = line[key.Length..].Trim().Split(' ')[0];
                return long.Parse(kib, CultureInfo.InvariantCulture) * 1024;
            }
        }

        return -1;
    }

    private const int RUsageChildren = -1;

    /// <summary>struct rusage on 64-bit Linux: two timevals, then 14 longs starting with ru_maxrss (KiB).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
        public long MaxResidentKiB;
        public long Ixrss;
        public long Idrss;
        public long Isrss;
        public long Minflt;
        public long Majflt;
        public long Nswap;
        public long Inblock;
        public long Oublock;
        public long Msgsnd;
        public long Msgrcv;
        public long Nsignals;
        public long Nvcsw;
        public long Nivcsw;
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);

    [LibraryImport("libc", EntryPoint = "getrusage")]
    private static partial int GetRUsage(int who, ref RUsage usage);
}
