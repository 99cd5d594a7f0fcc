namespace ImageJobs.Contracts;

/// <summary>What an operator asked of a batch: run (the default), hold its jobs, or cancel them.</summary>
public enum BatchControlState
{
    Running,
    Paused,
    Cancelled,
}

/// <summary>
/// A batch's control, as the producer writes it for the workers (one small blob per batch in the
/// controls container, <see cref="BlobName"/>) and as a worker reads it before it renders one of
/// the batch's jobs. Read as untrusted: an unknown state or version reads as <see cref="BatchControlState.Running"/>.
/// </summary>
public sealed record BatchControl(int SchemaVersion, string BatchId, BatchControlState State, DateTimeOffset ChangedAt)
{
    public const int CurrentSchemaVersion = 1;

    /// <summary>Far above any control record (about a hundred bytes); a larger blob is not read.</summary>
    public const int MaxBytes = 4096;

    /// <summary>The blob of a batch's control: its id, which is one plain name segment.</summary>
    public static string BlobName(string batchId) => batchId + ".json";
}
