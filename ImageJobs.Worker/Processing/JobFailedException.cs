namespace ImageJobs.Worker.Processing;

/// <summary>Stable codes of failures that are not the image's fault or not the renderer's to judge.</summary>
public static class JobErrorCodes
{
    public const string MalformedMessage = "message.malformed";
    public const string UnsupportedSchema = "message.unsupported_schema";
    public const string SourceNotFound = "source.not_found";
    public const string Timeout = "job.timeout";
    public const string RetriesExhausted = "job.retries_exhausted";
}

/// <summary>
/// A job that cannot succeed as it stands. <see cref="Transient"/> failures (storage or network
/// trouble) may succeed on another try; permanent ones (bad input) never will.
/// </summary>
public sealed class JobFailedException(string code, string message, bool transient, Exception? inner = null)
    : Exception(message, inner)
{
    public string Code { get; } = code;

    public bool Transient { get; } = transient;
}
