using System.Text.Json.Serialization;

namespace ImageJobs.Contracts;

public enum JobStatus
{
    /// <summary>A worker took the job: it is in flight until a later report.</summary>
    Started,

    /// <summary>A transient failure: the job waits out a delay, then is tried again.</summary>
    Retrying,

    Succeeded,
    Failed,

    /// <summary>A failed job sent back to work by an operator; it counts as pending again.</summary>
    Requeued,

    /// <summary>
    /// Its batch is paused: the worker settled it without rendering, and the producer publishes it
    /// again from the batch's definition on resume. Pending, not lost. (Added after version 1: a
    /// producer from before reads it as no status and parks the report; no worker sends it unless a
    /// newer producer paused the batch.)
    /// </summary>
    Held,

    /// <summary>An end: its batch was cancelled, and the worker settled it without rendering.</summary>
    Cancelled,
}

/// <summary>
/// What is reported about a job as it goes: started and retrying on the way, succeeded or failed at
/// its end. The producer counts these per batch. A job may be reported more than once (redelivery);
/// <see cref="JobId"/> and <see cref="Attempt"/> make counting idempotent and order-proof.
/// </summary>
public sealed record JobOutcome(
    int SchemaVersion,
    string JobId,
    string BatchId,
    JobStatus Status,
    string? ResultBlob,
    long? ResultBytes,
    string? ErrorCode,
    string? Error,
    int Attempt,
    bool Redelivered,
    string Worker,
    DateTimeOffset CompletedAt)
{
    public const int CurrentSchemaVersion = 1;

    /// <summary>Progress reports say where a job is now; only ends are kept in the batch's log.</summary>
    [JsonIgnore]
    public bool IsProgress => Status is JobStatus.Started or JobStatus.Retrying or JobStatus.Held;

    /// <summary>Whether the job has ended: succeeded, failed (until a requeue) or cancelled.</summary>
    [JsonIgnore]
    public bool IsEnd => Status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled;
}
