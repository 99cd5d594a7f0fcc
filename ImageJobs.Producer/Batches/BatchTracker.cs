// Over 300 lines: the tracker's gate guards every path into its state, and splitting those paths
// over files would hide which of them hold it.
using ImageJobs.Contracts;

namespace ImageJobs.Producer.Batches;

/// <summary>A report that cannot be counted (no such batch or job, or the batch's record is damaged), and why.</summary>
public sealed record RefusedOutcome(JobOutcome Outcome, string Reason);

/// <summary>An unfinished batch nothing has been heard of for a while, and its unended jobs.</summary>
public sealed record QuietBatch(string BatchId, IReadOnlyList<string> UnendedJobIds);

/// <summary>
/// The producer's view of every batch: progress in memory, rebuilt from <see cref="BatchStore"/>
/// on first use, so counts survive a restart. A finished batch is kept as its status only (the
/// per-job state of a 40,000-job batch is megabytes, and finished batches pile up) once every end
/// counted for it is stored; it is read back from its log when something needs more: all its
/// failures, a requeue, a late report. A batch whose record cannot be read is shown as damaged;
/// the others are not affected.
/// </summary>
public sealed class BatchTracker(BatchStore store, TimeProvider time) : IDisposable
{
    // Loads and applies must not interleave, or an outcome could be missed.
    private readonly SemaphoreSlim _gate = new(1, 1);

    // Appends to one batch's log must not interleave; they touch no state in memory, so status
    // reads do not wait behind blob writes.
    private readonly SemaphoreSlim _appendGate = new(1, 1);
    private readonly Dictionary<string, BatchProgress> _batches = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BatchStatus> _finished = new(StringComparer.Ordinal);

    // Ends counted on arrival and not stored yet, per batch: its log lacks them, so it must not be
    // read back in their place.
    private readonly Dictionary<string, int> _unstored = new(StringComparer.Ordinal);

    // Read by metric callbacks, which must not wait for the gate: replaced whole after each change.
    private volatile IReadOnlyList<ActiveBatch> _active = [];

    /// <summary>The counts of every unfinished batch known in memory, as of the last change.</summary>
    public IReadOnlyList<ActiveBatch> ActiveBatches() => _active;

    private void RefreshActive() =>
        _active = _batches.Values.Where(p => !p.Done).Select(p => p.Counts()).ToList();

    private void Keep(BatchProgress progress)
    {
        _batches[progress.BatchId] = progress;
        _finished.Remove(progress.BatchId);
    }

    /// <summary>Keeps the finished batches whose counted ends are all stored as their status only.</summary>
    private void KeepFinishedAsStatus()
    {
        foreach (var progress in _batches.Values.Where(p => p.Done && !_unstored.ContainsKey(p.BatchId)).ToList())
        {
            _finished[progress.BatchId] = progress.Snapshot(time.GetUtcNow());
            _batches.Remove(progress.BatchId);
        }
    }

    /// <param name="resumed">A batch whose publishing was cut short, submitted again: what is stored of it counts.</param>
    public async Task StartAsync(BatchDefinition batch, bool resumed, CancellationToken cancellationToken)
    {
        await store.SaveAsync(batch, cancellationToken);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var progress = (resumed ? await LoadAsync(batch.BatchId, cancellationToken) : _batches.GetValueOrDefault(batch.BatchId))
                ?? new BatchProgress(batch.BatchId, batch.CreatedAt, batch.Total);
            progress.Heard(time.GetUtcNow());
            Keep(progress);
            RefreshActive();
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task<BatchStatus?> GetAsync(string batchId, CancellationToken cancellationToken) =>
        ReadAsync(batchId, static status => status, progress => progress.Snapshot(time.GetUtcNow()), static damaged => damaged, cancellationToken);

    /// <summary>Whether the batch exists (damaged or not), without building its status.</summary>
    public async Task<bool> ExistsAsync(string batchId, CancellationToken cancellationToken) =>
        await ReadAsync(batchId, static status => status.BatchId, static progress => progress.BatchId, static damaged => damaged.BatchId, cancellationToken) is not null;

    /// <summary>Every failure: of a finished batch, read back in full (its status holds the first 100).</summary>
    public Task<IReadOnlyList<JobFailure>?> GetFailuresAsync(string batchId, CancellationToken cancellationToken) =>
        ReadAsync(batchId, finished: null, static progress => progress.Failures(), static _ => [], cancellationToken);

    /// <summary>
    /// Reads a batch: a finished one from its kept status when <paramref name="finished"/> can
    /// answer from it, a damaged one from what <paramref name="damaged"/> makes of its damage,
    /// anything else from its full progress (loaded if need be).
    /// </summary>
    private async Task<T?> ReadAsync<T>(string batchId, Func<BatchStatus, T?>? finished, Func<BatchProgress, T?> full,
        Func<BatchStatus, T?> damaged, CancellationToken cancellationToken)
        where T : class
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            KeepFinishedAsStatus();
            if (finished is not null && _finished.TryGetValue(batchId, out var status))
            {
                return finished(status);
            }

            return await LoadAsync(batchId, cancellationToken) is { } progress ? full(progress) : null;
        }
        catch (DamagedBatchException ex)
        {
            return damaged(BatchStatus.Damaged(batchId, ex.Damage));
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IReadOnlyList<BatchStatus>> ListAsync(CancellationToken cancellationToken)
    {
        var statuses = new List<BatchStatus>();
        await foreach (var id in store.ListIdsAsync(cancellationToken))
        {
            // The list shows counts only: no failures are gathered for it.
            if (await ReadAsync(id, static finished => finished with { Failures = [] },
                progress => progress.Snapshot(time.GetUtcNow(), maxFailures: 0), static damaged => damaged, cancellationToken) is { } status)
            {
                statuses.Add(status);
            }
        }

        return statuses.OrderByDescending(s => s.CreatedAt).ToList();
    }

    /// <summary>
    /// The unfinished batches nothing was heard of for <paramref name="quietFor"/>, with their
    /// unended jobs: of those in memory, or (<paramref name="everyStored"/>) of every stored batch,
    /// loading those not read since a restart.
    /// </summary>
    public async Task<IReadOnlyList<QuietBatch>> FindQuietAsync(TimeSpan quietFor, bool everyStored, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var quiet = new List<QuietBatch>();
        if (everyStored)
        {
            await foreach (var id in store.ListIdsAsync(cancellationToken))
            {
                await ExistsAsync(id, cancellationToken);
            }
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            KeepFinishedAsStatus();
            foreach (var progress in _batches.Values.Where(p => p.IsQuiet(now, quietFor)))
            {
                quiet.Add(new QuietBatch(progress.BatchId, progress.UnendedJobIds()));
            }
        }
        finally
        {
            _gate.Release();
        }

        return quiet;
    }

    /// <summary>Stores the ends among <paramref name="outcomes"/>, then counts every report. Throws if storing fails.</summary>
    public async Task RecordAsync(IReadOnlyList<JobOutcome> outcomes, CancellationToken cancellationToken)
    {
        await AppendAsync(EndsByBatch(outcomes), cancellationToken);
        await CountAsync(outcomes, stored: true, cancellationToken);
    }

    /// <summary>
    /// Counts reports at once, so progress is live. Progress (started, retrying) is never stored:
    /// after a restart it is rebuilt as workers report. Ends counted here must be stored with
    /// <see cref="StoreAsync"/> before their messages are acked; until then a restart redelivers
    /// them, and they are counted again, once.
    /// </summary>
    /// <returns>The reports that cannot be counted, with why: they must not be stored, and must be kept somewhere else.</returns>
    public Task<IReadOnlyList<RefusedOutcome>> CountAsync(IEnumerable<JobOutcome> outcomes, CancellationToken cancellationToken) =>
        CountAsync(outcomes, stored: false, cancellationToken);

    private async Task<IReadOnlyList<RefusedOutcome>> CountAsync(IEnumerable<JobOutcome> outcomes, bool stored, CancellationToken cancellationToken)
    {
        var refused = new List<RefusedOutcome>();
        await _gate.WaitAsync(cancellationToken);
        try
        {
            foreach (var group in outcomes.GroupBy(o => o.BatchId, StringComparer.Ordinal))
            {
                // Progress never reopens an ended job: a finished batch need not be read back for it.
                if (_finished.ContainsKey(group.Key) && group.All(o => o.IsProgress))
                {
                    continue;
                }

                // Loaded first, so a batch not read since a restart starts from what is stored.
                BatchProgress? progress;
                try
                {
                    progress = await LoadAsync(group.Key, cancellationToken);
                }
                catch (DamagedBatchException ex)
                {
                    refused.AddRange(group.Select(o => new RefusedOutcome(o, $"batch {group.Key} is damaged: {ex.Damage}")));
                    continue;
                }

                if (progress is null)
                {
                    refused.AddRange(group.Select(o => new RefusedOutcome(o, $"no batch {group.Key} is stored")));
                    continue;
                }

                progress.Heard(time.GetUtcNow());
                var changed = false;
                var ends = 0;
                foreach (var outcome in group)
                {
                    if (!progress.Contains(outcome.JobId))
                    {
                        refused.Add(new RefusedOutcome(outcome, $"batch {group.Key} has {progress.Total} jobs; {outcome.JobId} is none of them"));
                        continue;
                    }

                    changed |= progress.Apply(outcome);
                    ends += outcome.IsProgress ? 0 : 1;
                }

                // A finished batch read back for a report that changed nothing stays a status.
                if (changed)
                {
                    Keep(progress);
                }

                if (!stored && ends > 0)
                {
                    _unstored[group.Key] = _unstored.GetValueOrDefault(group.Key) + ends;
                }
            }

            RefreshActive();
        }
        finally
        {
            _gate.Release();
        }

        return refused;
    }

    /// <summary>
    /// Stores the ends among <paramref name="outcomes"/>, counted before with <see cref="CountAsync(IEnumerable{JobOutcome}, CancellationToken)"/>.
    /// Throws if storing fails: the caller must not ack.
    /// </summary>
    public async Task StoreAsync(IReadOnlyList<JobOutcome> outcomes, CancellationToken cancellationToken)
    {
        var ends = EndsByBatch(outcomes);
        await AppendAsync(ends, cancellationToken);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            foreach (var (batchId, stored) in ends)
            {
                if (_unstored.TryGetValue(batchId, out var unstored))
                {
                    if (unstored > stored.Count)
                    {
                        _unstored[batchId] = unstored - stored.Count;
                    }
                    else
                    {
                        _unstored.Remove(batchId);
                    }
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Forgets how many ends were counted and not stored: the consumer calls it as it starts again,
    /// when all of those are back in its queue, to be counted (and stored) again. Their batches stay
    /// held in full until then: their logs still lack those ends.
    /// </summary>
    public async Task ForgetUnstoredAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            foreach (var batchId in _unstored.Keys.ToList())
            {
                _unstored[batchId] = 0;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The ends among <paramref name="outcomes"/> (only ends are stored), by batch.</summary>
    private static Dictionary<string, List<JobOutcome>> EndsByBatch(IReadOnlyList<JobOutcome> outcomes) =>
        outcomes.Where(o => !o.IsProgress).GroupBy(o => o.BatchId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);

    /// <summary>Appends each batch's ends to its log.</summary>
    private async Task AppendAsync(Dictionary<string, List<JobOutcome>> ends, CancellationToken cancellationToken)
    {
        await _appendGate.WaitAsync(cancellationToken);
        try
        {
            foreach (var (batchId, outcomes) in ends)
            {
                await store.AppendOutcomesAsync(batchId, outcomes, cancellationToken);
            }
        }
        finally
        {
            _appendGate.Release();
        }
    }

    private async Task<BatchProgress?> LoadAsync(string batchId, CancellationToken cancellationToken)
    {
        if (_batches.TryGetValue(batchId, out var cached))
        {
            return cached;
        }

        if (await store.LoadAsync(batchId, cancellationToken) is not { } definition)
        {
            return null;
        }

        var progress = new BatchProgress(definition.BatchId, definition.CreatedAt, definition.Total);
        var log = await store.ReadLogAsync(batchId, cancellationToken);
        var outside = 0;
        foreach (var outcome in log.Outcomes)
        {
            if (progress.Contains(outcome.JobId))
            {
                progress.Apply(outcome);
            }
            else
            {
                outside++;
            }
        }

        if (log.UnreadableLines + outside > 0)
        {
            progress.Damage = $"{log.UnreadableLines + outside} lines of its outcome log are not ends of its jobs and were skipped";
        }

        // What happened while no producer ran is not known: quiet is counted from now.
        progress.Heard(time.GetUtcNow());

        // Finished, and nothing of it counted here: its status is all there is to keep (the caller
        // keeps it in full if it changes it).
        if (progress.Done)
        {
            _finished[batchId] = progress.Snapshot(time.GetUtcNow());
            return progress;
        }

        Keep(progress);
        RefreshActive();
        return progress;
    }

    public void Dispose()
    {
        _gate.Dispose();
        _appendGate.Dispose();
    }
}
