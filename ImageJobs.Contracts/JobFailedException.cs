using System.Globalization;

namespace ImageJobs.Contracts;

/// <summary>
/// A job that cannot succeed as it stands: bad input, a message that is not a job, a missing
/// source. Trying again will not change that; <see cref="Code"/> is one of <see cref="ErrorCodes"/>.
/// The renderer throws it for input it refuses, the worker for messages and sources.
/// </summary>
public sealed class JobFailedException(string code, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public string Code { get; } = code;

    /// <summary>A source over the size limit: refused from its size alone, before its bytes are read.</summary>
    public static JobFailedException SourceTooLarge(long bytes, long limit) => new(ErrorCodes.SourceTooLarge,
        string.Create(CultureInfo.InvariantCulture, $"The source image is {bytes:N0} bytes, more than the limit of {limit:N0}."));
}
