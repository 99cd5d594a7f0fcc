namespace ImageJobs.Producer.Batches;

/// <summary>The tracker's pages: batches newest first, and a batch's failures.</summary>
public sealed partial class BatchTracker
{
    /// <summary>Up to <paramref name="limit"/> batches with their counts (no failures), newest first, after <paramref name="continuationToken"/>.</summary>
    public async Task<Page<BatchStatus>> ListAsync(int limit, string? continuationToken, CancellationToken cancellationToken)
    {
        var ids = await store.ListIdsAsync(limit, continuationToken, cancellationToken);
        var statuses = new List<BatchStatus>(ids.Items.Count);
        foreach (var batchId in ids.Items)
        {
            try
            {
                if (await DefinitionAsync(batchId, cancellationToken) is { } batch)
                {
                    statuses.Add(await StatusAsync(batch, 0, cancellationToken));
                }
            }
            catch (DamagedBatchException ex)
            {
                statuses.Add(BatchStatus.Damaged(batchId, ex.Damage));
            }
        }

        return new Page<BatchStatus>(statuses, ids.ContinuationToken);
    }

    /// <summary>Up to <paramref name="limit"/> failures of the batch after the job <paramref name="afterIndex"/>; null when there is no such batch.</summary>
    public async Task<Page<JobFailure>?> GetFailuresAsync(string batchId, int limit, int? afterIndex, CancellationToken cancellationToken)
    {
        try
        {
            if (await DefinitionAsync(batchId, cancellationToken) is not { } batch)
            {
                return null;
            }

            // One more than asked: whether there is a next page.
            var failures = await store.ReadFailuresAsync(batch.BatchId, limit + 1, cancellationToken, afterIndex);
            var page = failures.Take(limit).ToList();
            return new Page<JobFailure>(page, failures.Count > limit
                ? JobPlanner.TryReadIndex(batchId, page[^1].JobId)!.Value.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)
                : null);
        }
        catch (DamagedBatchException)
        {
            return new Page<JobFailure>([], null);
        }
    }
}
