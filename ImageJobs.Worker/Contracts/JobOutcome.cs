namespace ImageJobs.Worker.Contracts;

public enum JobStatus
{
    Succeeded,
    Failed,

    /// <summary>A failed job sent back to work by an operator; it counts as pending again.</summary>
    Requeued,
}

/// <summary>
/// What a worker reports when a job reaches its end: the producer counts these per batch.
/// A job may be reported more than once (redelivery); <see cref="JobId"/> makes counting idempotent.
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
}
