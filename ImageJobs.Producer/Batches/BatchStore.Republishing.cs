using System.Globalization;
using Azure;
using Azure.Data.Tables;

namespace ImageJobs.Producer.Batches;

/// <summary>
/// The record of republished jobs, on each job's own row (<c>Republished</c>, <c>RepublishedAt</c>):
/// reports merge into the row, so the count survives them, and a republish is recorded only if
/// the row is still as the sweep read it.
/// </summary>
public sealed partial class BatchStore
{
    /// <summary>Every job row of the batch with its state, republishes and ETag (a scan: for the rare judgement of a quiet batch).</summary>
    public async Task<IReadOnlyDictionary<int, StoredJob>> ReadJobRowsAsync(string batchId, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<int, StoredJob>();
        await foreach (var row in Range(batchId, "j.", "j/", cancellationToken))
        {
            if (int.TryParse(row.RowKey.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                rows[index] = new StoredJob(index, JobPlanner.JobId(batchId, index), ReadOutcome(batchId, row),
                    ReadOr(() => row.GetInt32("Republished"), null) ?? 0, ReadOr(() => row.GetDateTimeOffset("RepublishedAt"), null), row.ETag);
            }
        }

        return rows;
    }

    /// <summary>
    /// Records one more republish of each job, each only if its row is unchanged since it was read
    /// (or, without a row, if none was made since): two replicas that judged the same job lost
    /// never both republish it, and a job reported meanwhile is not republished at all.
    /// </summary>
    /// <returns>The jobs whose republish was recorded: only these may be published.</returns>
    public async Task<IReadOnlyList<StoredJob>> RecordRepublishAsync(string batchId, IReadOnlyList<StoredJob> jobs, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var recorded = new List<StoredJob>();
        foreach (var part in jobs.Chunk(MaxOperations))
        {
            var pending = part.ToList();
            while (pending.Count > 0)
            {
                try
                {
                    await Table.SubmitTransactionAsync(pending.Select(job => Republish(batchId, job, now)), cancellationToken);
                    recorded.AddRange(pending);
                    break;
                }
                catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412 && ex.FailedTransactionActionIndex is { } failed && failed < pending.Count)
                {
                    // That job changed (another replica republished it, or it was reported): not ours to republish.
                    pending.RemoveAt(failed);
                }
                catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412)
                {
                    recorded.AddRange(await RecordEachAsync(batchId, pending, now, cancellationToken));
                    break;
                }
            }
        }

        return recorded;
    }

    /// <summary>One by one, when the store does not say which of a transaction's rows conflicted.</summary>
    private async Task<IReadOnlyList<StoredJob>> RecordEachAsync(string batchId, List<StoredJob> jobs, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var recorded = new List<StoredJob>();
        foreach (var job in jobs)
        {
            try
            {
                await Table.SubmitTransactionAsync([Republish(batchId, job, now)], cancellationToken);
                recorded.Add(job);
            }
            catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412)
            {
            }
        }

        return recorded;
    }

    private static TableTransactionAction Republish(string batchId, StoredJob job, DateTimeOffset now)
    {
        var row = new TableEntity(batchId, JobKey("j.", job.Index)) { ["Republished"] = job.Republished + 1, ["RepublishedAt"] = now };
        return job.ETag is { } etag
            ? new TableTransactionAction(TableTransactionActionType.UpdateMerge, row, etag)
            : new TableTransactionAction(TableTransactionActionType.Add, row);
    }

    // A field of the wrong type counts as absent: the next record overwrites it.
    private static T ReadOr<T>(Func<T> read, T absent)
    {
        try
        {
            return read();
        }
        catch (InvalidOperationException)
        {
            return absent;
        }
    }
}
