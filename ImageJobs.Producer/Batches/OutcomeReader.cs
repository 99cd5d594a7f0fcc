using System.Text.Json;
using ImageJobs.Contracts;

namespace ImageJobs.Producer.Batches;

/// <summary>A report read from a queue or a log: the outcome, or why it cannot be one.</summary>
public readonly record struct OutcomeRead(JobOutcome? Outcome, string? Invalid);

/// <summary>
/// Reads what workers, the broker and our own log say about a job, trusting none of it: a report
/// is counted only when every field a count depends on is there and in range. Pure: no I/O.
/// </summary>
public static class OutcomeReader
{
    /// <summary>Far above any report (a few hundred bytes); a larger one is refused unread.</summary>
    public const int MaxBytes = 64 * 1024;

    private const int MaxIdLength = 300;
    private const int MaxTextLength = 4_000;

    /// <summary>A report as a queue delivers it, or (<paramref name="fromLog"/>) a line of a batch's log.</summary>
    public static OutcomeRead Read(ReadOnlySpan<byte> body, bool fromLog = false)
    {
        if (body.Length > MaxBytes)
        {
            return Refuse($"the report is {body.Length:N0} bytes; at most {MaxBytes:N0} are read");
        }

        JobOutcome? outcome;
        try
        {
            outcome = JsonSerializer.Deserialize(body, JobJson.Default.JobOutcome);
        }
        catch (JsonException ex)
        {
            return Refuse($"not JSON for a job report: {ex.Message}");
        }

        return outcome switch
        {
            null => Refuse("the report is JSON null"),
            { Status: JobStatus.Requeued } when !fromLog => Refuse("status Requeued is recorded by the producer, never reported"),
            _ => Check(outcome),
        };
    }

    /// <summary>The outcome when it is complete and consistent; otherwise every field that is not.</summary>
    public static OutcomeRead Check(JobOutcome outcome)
    {
        var problems = new List<string>();
        if (outcome.SchemaVersion != JobOutcome.CurrentSchemaVersion)
        {
            problems.Add($"schemaVersion {outcome.SchemaVersion} is not {JobOutcome.CurrentSchemaVersion}");
        }

        RequireText(problems, "batchId", outcome.BatchId, MaxIdLength);
        RequireText(problems, "jobId", outcome.JobId, MaxIdLength);
        RequireText(problems, "worker", outcome.Worker, MaxIdLength);
        if (problems.Count == 0 && JobPlanner.TryReadIndex(outcome.BatchId, outcome.JobId) is null)
        {
            problems.Add($"jobId '{outcome.JobId}' is not a job of batch '{outcome.BatchId}'");
        }

        if (!Enum.IsDefined(outcome.Status))
        {
            problems.Add($"status {(int)outcome.Status} is not a job status");
        }

        if (outcome.Status == JobStatus.Succeeded && string.IsNullOrWhiteSpace(outcome.ResultBlob))
        {
            problems.Add("resultBlob: a success names its result");
        }

        if (outcome.Status == JobStatus.Failed && string.IsNullOrWhiteSpace(outcome.ErrorCode))
        {
            problems.Add("errorCode: a failure names its code");
        }

        if (outcome.Attempt < 0)
        {
            problems.Add($"attempt {outcome.Attempt} is negative");
        }

        if (outcome.CompletedAt == default)
        {
            problems.Add("completedAt is missing");
        }

        if (outcome.ErrorCode?.Length > MaxIdLength || outcome.Error?.Length > MaxTextLength || outcome.ResultBlob?.Length > MaxTextLength)
        {
            problems.Add("errorCode, error or resultBlob is too long");
        }

        return problems.Count == 0 ? new OutcomeRead(outcome, null) : Refuse(string.Join("; ", problems));
    }

    private static void RequireText(List<string> problems, string field, string? value, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            problems.Add($"{field} is missing");
        }
        else if (value.Length > maxLength)
        {
            problems.Add($"{field} is longer than {maxLength} characters");
        }
    }

    private static OutcomeRead Refuse(string reason) => new(null, reason);
}
