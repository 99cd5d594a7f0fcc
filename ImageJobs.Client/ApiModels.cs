namespace ImageJobs.Client;

/// <summary>A batch's progress as the producer reports it (<c>GET /api/batches/{id}</c>).</summary>
public sealed record BatchProgressView(string BatchId, int Total, int Succeeded, int Failed, int Pending, int Retrying, int InFlight, bool Done,
    double PerSecond, double? EtaSeconds, IReadOnlyList<FailureView>? Failures, string? Damage, int Cancelled = 0, int Held = 0, string? State = null);

public sealed record FailureView(string JobId, string? ErrorCode, string? Error);

/// <summary>The answer to a submission.</summary>
public sealed record SubmittedBatch(string BatchId, int Total, string StatusUrl);

/// <summary>A stored template's newest version (<c>GET /api/templates</c>).</summary>
public sealed record TemplateView(string Name, int Version, DateTimeOffset SavedAt);

public sealed record UploadedSource(string Name, long Bytes);

public sealed record RejectedSource(string Name, string Reason);

public sealed record UploadResult(IReadOnlyList<UploadedSource> Uploaded, IReadOnlyList<RejectedSource> Rejected);

public sealed record RequeueResult(int Requeued, int DuplicatesDropped);

/// <summary>The producer refused a request or failed: its status, title and the errors it named by field.</summary>
public sealed class ImageJobsApiException(int status, string message, IReadOnlyDictionary<string, string[]> errors, string? code = null) : Exception(message)
{
    public int Status { get; } = status;

    /// <summary>The refusal's code, when the producer gave one (a 409 of a batch control: <c>batch.cancelled</c>, <c>batch.finished</c>).</summary>
    public string? Code { get; } = code;

    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;

    /// <summary>The request itself is wrong (4xx but not auth): the caller must change it, not retry it.</summary>
    public bool IsInvalidRequest => Status is >= 400 and < 500 and not (401 or 403 or 429);
}
