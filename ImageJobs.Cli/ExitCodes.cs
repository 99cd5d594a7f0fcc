namespace ImageJobs.Cli;

/// <summary>What the process's exit code says, so a script can tell the cases apart.</summary>
public static class ExitCodes
{
    /// <summary>Every job of the batch succeeded (or the command did what it was asked).</summary>
    public const int Succeeded = 0;

    /// <summary>The batch ended with failed jobs.</summary>
    public const int JobsFailed = 1;

    /// <summary>Bad arguments, or a request the producer refused as invalid (nothing was submitted).</summary>
    public const int Invalid = 2;

    /// <summary>The producer could not be reached, refused the key, or failed.</summary>
    public const int Unavailable = 3;

    /// <summary>The batch has not ended yet (status without --wait).</summary>
    public const int NotDone = 4;

    /// <summary>The batch ended cancelled: no job failed, some were cancelled.</summary>
    public const int Cancelled = 5;

    /// <summary>The code for a batch as last read.</summary>
    public static int For(bool done, int failed, int cancelled = 0) => !done ? NotDone : failed > 0 ? JobsFailed : cancelled > 0 ? Cancelled : Succeeded;
}
