using System.Collections.Concurrent;
using ImageJobs.Contracts;
using ImageJobs.Producer.Webhooks;

namespace ImageJobs.Producer.Batches;

/// <summary>A report that cannot be counted (no such batch or job, or the batch's record is damaged), and why.</summary>
public sealed record RefusedOutcome(JobOutcome Outcome, string Reason);

/// <summary>An unfinished batch nothing has been heard of for a while, and its unended jobs as stored.</summary>
public sealed record QuietBatch(string BatchId, int Total, IReadOnlyList<StoredJob> Unended)
{
    public IReadOnlyList<string> UnendedJobIds => [.. Unended.Select(job => job.JobId)];
}

/// <summary>
/// The producer's view of every batch, read from and written to <see cref="BatchStore"/>, which
/// every replica shares: nothing of a batch's progress lives only in this process, so any replica
/// answers for any batch, and one that dies takes nothing with it. It holds no lock: what it keeps
/// in memory is what never changes (a batch's total and creation time) and the gauges' last reading.
/// </summary>
public sealed partial class BatchTracker(BatchStore store, TimeProvider time, WebhookEvents? webhooks = null)
{
    private const int FailuresShown = 100;

    // A batch's total and creation time never change once stored.
    private readonly ConcurrentDictionary<string, BatchDefinition> _definitions = new(StringComparer.Ordinal);

    // What happened while this process was not running is not known: quiet is counted from its start at the earliest.
    private readonly DateTimeOffset _startedAt = time.GetUtcNow();

    // Read by metric callbacks, which must do no I/O: the counts of each unfinished batch as last read.
    private readonly ConcurrentDictionary<string, ActiveBatch> _active = new(StringComparer.Ordinal);

    // When each batch's counts were last read for the gauges after storing its reports.
    private readonly ConcurrentDictionary<string, DateTimeOffset> _observedAt = new(StringComparer.Ordinal);
    private static readonly TimeSpan ObserveEvery = TimeSpan.FromSeconds(1);

    /// <summary>The counts of every unfinished batch, as last read here.</summary>
    public IReadOnlyList<ActiveBatch> ActiveBatches() => [.. _active.Values];

    public async Task StartAsync(BatchDefinition batch, CancellationToken cancellationToken)
    {
        await store.SaveAsync(batch, cancellationToken);
        Follow(batch);
    }

    /// <summary>Follows a batch stored already (by this replica or another).</summary>
    public void Follow(BatchDefinition batch)
    {
        _definitions[batch.BatchId] = batch;
        if (!_active.ContainsKey(batch.BatchId))
        {
            Observe(batch, default);
        }
    }

    /// <summary>The batch's status with its first failures; null when there is no such batch.</summary>
    public async Task<BatchStatus?> GetAsync(string batchId, CancellationToken cancellationToken)
    {
        try
        {
            return await DefinitionAsync(batchId, cancellationToken) is { } batch
                ? await StatusAsync(batch, FailuresShown, cancellationToken)
                : null;
        }
        catch (DamagedBatchException ex)
        {
            return BatchStatus.Damaged(batchId, ex.Damage);
        }
    }

    /// <summary>Whether the batch exists (damaged or not).</summary>
    public async Task<bool> ExistsAsync(string batchId, CancellationToken cancellationToken)
    {
        try
        {
            return await DefinitionAsync(batchId, cancellationToken) is not null;
        }
        catch (DamagedBatchException)
        {
            return true;
        }
    }

    /// <summary>The unfinished batches nothing was heard of for <paramref name="quietFor"/>, with their unended jobs.</summary>
    public async Task<IReadOnlyList<QuietBatch>> FindQuietAsync(TimeSpan quietFor, CancellationToken cancellationToken)
    {
        var quiet = new List<QuietBatch>();
        var now = time.GetUtcNow();
        await foreach (var (batchId, batch, _) in store.ListAsync(cancellationToken))
        {
            if (batch is null)
            {
                continue;
            }

            StoredCounts counts;
            try
            {
                counts = await store.ReadCountsAsync(batchId, cancellationToken);
            }
            catch (DamagedBatchException)
            {
                continue;
            }

            Observe(batch, counts.Counts);
            var heardAt = new[] { batch.CreatedAt, _startedAt, counts.LastWrittenAt ?? DateTimeOffset.MinValue }.Max();
            // Held jobs are accounted for (their batch is paused): never lost.
            if (counts.Counts.Ended + counts.Counts.Held < batch.Total && now - heardAt >= quietFor)
            {
                var progress = new BatchProgress(batchId, batch.Total);
                var rows = await store.ReadJobRowsAsync(batchId, cancellationToken);
                foreach (var row in rows.Values)
                {
                    if (row.State is { } state)
                    {
                        progress.Know(state);
                    }
                }

                quiet.Add(new QuietBatch(batchId, batch.Total, [.. progress.UnendedJobIds().Select(jobId => JobPlanner.TryReadIndex(batchId, jobId)!.Value)
                    .Select(index => rows.GetValueOrDefault(index) ?? new StoredJob(index, JobPlanner.JobId(batchId, index), null, 0, null, null))]));
            }
        }

        return quiet;
    }

    /// <summary>
    /// Stores every report that can be counted, once per job whichever replica gets it; throws if
    /// storing fails (the caller must then not ack, and may record the same reports again).
    /// </summary>
    /// <returns>The reports that cannot be counted, with why: they must be kept somewhere else.</returns>
    public async Task<IReadOnlyList<RefusedOutcome>> RecordAsync(IReadOnlyList<JobOutcome> outcomes, CancellationToken cancellationToken)
    {
        var refused = new List<RefusedOutcome>();
        foreach (var group in outcomes.GroupBy(o => o.BatchId, StringComparer.Ordinal))
        {
            BatchDefinition? batch;
            try
            {
                batch = await DefinitionAsync(group.Key, cancellationToken);
            }
            catch (DamagedBatchException ex)
            {
                refused.AddRange(group.Select(o => new RefusedOutcome(o, $"batch {group.Key} is damaged: {ex.Damage}")));
                continue;
            }

            if (batch is null)
            {
                refused.AddRange(group.Select(o => new RefusedOutcome(o, $"no batch {group.Key} is stored")));
                continue;
            }

            var progress = new BatchProgress(batch.BatchId, batch.Total);
            var counted = new List<JobOutcome>();
            foreach (var outcome in group)
            {
                if (progress.Contains(outcome.JobId))
                {
                    counted.Add(outcome);
                }
                else
                {
                    refused.Add(new RefusedOutcome(outcome, $"batch {group.Key} has {batch.Total} jobs; {outcome.JobId} is none of them"));
                }
            }

            if (counted.Count > 0)
            {
                await store.ApplyAsync(batch, counted, cancellationToken);
                // Before the reports are acked: a producer that dies here raises them from the redelivery.
                if (webhooks is not null)
                {
                    await webhooks.RecordedAsync(batch, counted, cancellationToken);
                }

                await ObserveAsync(batch, cancellationToken);
            }
        }

        return refused;
    }

    /// <summary>The batch's total if this process has read its record already (no I/O); otherwise null.</summary>
    public int? KnownTotal(string batchId) => _definitions.TryGetValue(batchId, out var batch) ? batch.Total : null;

    /// <summary>The batch's stored record; null when there is none. Throws <see cref="DamagedBatchException"/> when it cannot be read.</summary>
    public async Task<BatchDefinition?> DefinitionAsync(string batchId, CancellationToken cancellationToken)
    {
        if (_definitions.TryGetValue(batchId, out var known))
        {
            return known;
        }

        var batch = await store.LoadAsync(batchId, cancellationToken);
        if (batch is not null)
        {
            _definitions.TryAdd(batchId, batch);
        }

        return batch;
    }

    private async Task<BatchStatus> StatusAsync(BatchDefinition batch, int maxFailures, CancellationToken cancellationToken)
    {
        var stored = await store.ReadCountsAsync(batch.BatchId, cancellationToken);
        var counts = stored.Counts;
        var failures = counts.Failed > 0 ? await store.ReadFailuresAsync(batch.BatchId, maxFailures, cancellationToken) : [];
        var control = (await store.ReadControlAsync(batch.BatchId, cancellationToken)).Control.State;
        Observe(batch, counts);
        var now = time.GetUtcNow();
        var (succeeded, failed, cancelled) = (Math.Max(0, counts.Succeeded), Math.Max(0, counts.Failed), Math.Max(0, counts.Cancelled));
        var pending = Math.Max(0, batch.Total - succeeded - failed - cancelled);
        var done = pending == 0;
        // A paused or cancelled batch renders nothing more: no rate, no ETA.
        var perSecond = done || control != Contracts.BatchControlState.Running ? 0 : EndRate.PerSecond(stored.Rates, now, batch.CreatedAt);
        return new BatchStatus(batch.BatchId, batch.CreatedAt, batch.Total, succeeded, failed, pending,
            Math.Max(0, counts.Retrying), Math.Max(0, counts.InFlight), done, failures, perSecond,
            control == Contracts.BatchControlState.Running ? EndRate.EtaSeconds(pending, perSecond) : null, counts.Inconsistency(batch.Total),
            cancelled, Math.Max(0, counts.Held), BatchStates.Of(done, cancelled, control));
    }

    /// <summary>Reads the batch's counts for the gauges, at most every <see cref="ObserveEvery"/>.</summary>
    private async Task ObserveAsync(BatchDefinition batch, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_observedAt.TryGetValue(batch.BatchId, out var at) && now - at < ObserveEvery)
        {
            return;
        }

        _observedAt[batch.BatchId] = now;
        try
        {
            Observe(batch, (await store.ReadCountsAsync(batch.BatchId, cancellationToken)).Counts);
        }
        catch (DamagedBatchException)
        {
            _active.TryRemove(batch.BatchId, out _);
        }
    }

    private void Observe(BatchDefinition batch, BatchCounts counts)
    {
        var pending = batch.Total - counts.Ended;
        if (pending <= 0)
        {
            _active.TryRemove(batch.BatchId, out _);
            return;
        }

        _active[batch.BatchId] = new ActiveBatch(batch.BatchId, counts.Succeeded, counts.Failed,
            Math.Max(0, pending - counts.Retrying - counts.InFlight - counts.Held), counts.Retrying, counts.InFlight, counts.Cancelled, counts.Held);
    }
}
