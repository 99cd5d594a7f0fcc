// Over 300 lines: the store's row layout and its one write path (read, plan, conditional
// transaction, retry) are one idea; apart, the keys each part relies on would be out of sight.
using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using ImageJobs.Contracts;
using Microsoft.Extensions.Options;

namespace ImageJobs.Producer.Batches;

/// <summary>
/// A batch as stored. <see cref="RequestHash"/> tells a repeated submission (same idempotency key,
/// same request) from a conflicting one; it is null for a batch submitted without a key.
/// </summary>
public sealed record BatchDefinition(string BatchId, DateTimeOffset CreatedAt, int Total, bool Published, string? RequestHash);

/// <summary>A batch's stored record that cannot be read; only that batch is affected.</summary>
public sealed class DamagedBatchException(string batchId, string damage, Exception? inner = null)
    : Exception($"Batch {batchId}: {damage}", inner)
{
    public string Damage { get; } = damage;
}

/// <summary>
/// What every writer of a batch stored: the summed counts, each writer's recent ends, when one last
/// wrote, and how many ends were reported again for a job already ended that way (redeliveries).
/// </summary>
public sealed record StoredCounts(BatchCounts Counts, IReadOnlyList<EndRate> Rates, DateTimeOffset? LastWrittenAt, int RepeatedEnds);

/// <summary>
/// Keeps batch and job state in one table that every producer replica shares (Azure Table Storage,
/// Azurite locally). Definitions are rows of partition <c>batches</c>; each batch's own partition
/// holds a row per job (<c>j.{index}</c>, its latest state), a row per failed job (<c>f.{index}</c>,
/// so its first failures read without a scan) and a counts row per writer (<c>c.{writer}</c>).
/// A group of reports is applied as entity-group transactions: each job row changes only if it is
/// as read (ETag), and the writer's counts change with it, atomically. So a report counts once
/// whichever replica gets it and however often it comes, a status read sums a few counts rows,
/// and no writer waits for another (each writes its own counts row).
/// </summary>
public sealed partial class BatchStore(TableServiceClient tables, IOptions<BatchStateOptions> options, TimeProvider time)
{
    private const string DefinitionsPartition = "batches";

    // A transaction holds at most 100 operations: one or two per job (its row, its failure row) and the counts.
    private const int MaxOperations = 100;
    private const int MaxAttempts = 10;

    // Jobs this close together are read with one range query; farther apart, one by one.
    private const int RangeGap = 32;

    // One writer per process: a restarted producer adds a counts row; the old one still counts.
    private readonly string _writer = Guid.NewGuid().ToString("N")[..16];

    // This writer's counts row per batch, as last written (or read back after a conflict).
    private readonly ConcurrentDictionary<string, WriterCounts> _own = new(StringComparer.Ordinal);

    private sealed record WriterCounts(BatchCounts Counts, EndRate Rate, int RepeatedEnds, ETag? ETag);

    private TableClient Table => tables.GetTableClient(options.Value.Table);

    /// <summary>Creates the table when it is missing (see <see cref="BatchStateSetup.CreateIfMissingAsync"/>).</summary>
    public Task CreateAsync(CancellationToken cancellationToken) => Table.CreateIfMissingAsync(DefinitionsPartition, cancellationToken);

    /// <summary>Ids our own code makes (dates, hex, hyphens); anything else names no stored batch and is never used as a key.</summary>
    public static bool IsBatchId(string? batchId) =>
        batchId is { Length: > 0 and <= 100 } && batchId.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    /// <summary>Stores the definition, and the batch's place in the newest-first order lists are paged in.</summary>
    public async Task SaveAsync(BatchDefinition batch, CancellationToken cancellationToken)
    {
        await Table.UpsertEntityAsync(DefinitionRow(batch), TableUpdateMode.Replace, cancellationToken);
        await SaveOrderAsync(batch, cancellationToken);
    }

    /// <summary>
    /// Stores a new batch's definition and its place in the order, unless a batch of that id is
    /// stored already: false then, and nothing written. Of two replicas given the same idempotency key
    /// at once, one stores the batch and the other finds it (its creation time, so its place, is the first's).
    /// </summary>
    public async Task<bool> AddAsync(BatchDefinition batch, CancellationToken cancellationToken)
    {
        try
        {
            await Table.AddEntityAsync(DefinitionRow(batch), cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }

        await SaveOrderAsync(batch, cancellationToken);
        return true;
    }

    private static TableEntity DefinitionRow(BatchDefinition batch) => new(DefinitionsPartition, batch.BatchId)
    {
        ["CreatedAt"] = batch.CreatedAt,
        ["Total"] = batch.Total,
        ["Published"] = batch.Published,
        ["RequestHash"] = batch.RequestHash,
    };

    private async Task SaveOrderAsync(BatchDefinition batch, CancellationToken cancellationToken) =>
        await Table.UpsertEntityAsync(new TableEntity(OrderPartition, OrderKey(batch.CreatedAt, batch.BatchId)), TableUpdateMode.Replace, cancellationToken);

    /// <summary>The batch's record; null when there is none. Throws <see cref="DamagedBatchException"/> when it cannot be read.</summary>
    public async Task<BatchDefinition?> LoadAsync(string batchId, CancellationToken cancellationToken)
    {
        if (!IsBatchId(batchId))
        {
            return null;
        }

        var row = await Table.GetEntityIfExistsAsync<TableEntity>(DefinitionsPartition, batchId, cancellationToken: cancellationToken);
        return row.HasValue ? ReadDefinition(row.Value!) : null;
    }

    /// <summary>Every stored batch: its record, or why it cannot be read.</summary>
    public async IAsyncEnumerable<(string BatchId, BatchDefinition? Batch, string? Damage)> ListAsync(
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var row in Table.QueryAsync<TableEntity>(e => e.PartitionKey == DefinitionsPartition, cancellationToken: cancellationToken))
        {
            BatchDefinition? batch = null;
            string? damage = null;
            try
            {
                batch = ReadDefinition(row);
            }
            catch (DamagedBatchException ex)
            {
                damage = ex.Damage;
            }

            yield return (row.RowKey, batch, damage);
        }
    }

    private static BatchDefinition ReadDefinition(TableEntity row)
    {
        try
        {
            var createdAt = row.GetDateTimeOffset("CreatedAt");
            var total = row.GetInt32("Total");
            return createdAt is null || total is not >= 0 || !IsBatchId(row.RowKey)
                ? throw new DamagedBatchException(row.RowKey, "its record lacks a total or a creation time")
                : new BatchDefinition(row.RowKey, createdAt.Value, total.Value, row.GetBoolean("Published") ?? false, row.GetString("RequestHash"));
        }
        catch (InvalidOperationException ex)
        {
            throw new DamagedBatchException(row.RowKey, $"its record has a field of the wrong type: {ex.Message}", ex);
        }
    }

    /// <summary>The batch's counts: the sum of its writers' rows. Throws <see cref="DamagedBatchException"/> when one cannot be read.</summary>
    public async Task<StoredCounts> ReadCountsAsync(string batchId, CancellationToken cancellationToken)
    {
        var counts = default(BatchCounts);
        var rates = new List<EndRate>();
        DateTimeOffset? last = null;
        var repeated = 0;
        await foreach (var row in Range(batchId, "c.", "c/", cancellationToken))
        {
            var (rowCounts, rate, rowRepeated, writtenAt) = ReadWriterCounts(batchId, row);
            counts += rowCounts;
            rates.Add(rate);
            repeated += rowRepeated;
            last = writtenAt > last || last is null ? writtenAt : last;
        }

        return new StoredCounts(counts, rates, last, repeated);
    }

    private static (BatchCounts Counts, EndRate Rate, int RepeatedEnds, DateTimeOffset WrittenAt) ReadWriterCounts(string batchId, TableEntity row)
    {
        try
        {
            return (new BatchCounts(row.GetInt32("Succeeded") ?? 0, row.GetInt32("Failed") ?? 0, row.GetInt32("Retrying") ?? 0, row.GetInt32("InFlight") ?? 0,
                    row.GetInt32("Cancelled") ?? 0, row.GetInt32("Held") ?? 0),
                EndRate.Parse(row.GetString("Rate")), row.GetInt32("RepeatedEnds") ?? 0, row.GetDateTimeOffset("WrittenAt") ?? DateTimeOffset.MinValue);
        }
        catch (InvalidOperationException ex)
        {
            throw new DamagedBatchException(batchId, $"its counts row {row.RowKey} has a field of the wrong type: {ex.Message}", ex);
        }
    }

    /// <summary>The first <paramref name="limit"/> failed jobs after the job <paramref name="afterIndex"/> (none: from the first), in job order.</summary>
    public async Task<IReadOnlyList<JobFailure>> ReadFailuresAsync(string batchId, int limit, CancellationToken cancellationToken, int? afterIndex = null)
    {
        var failures = new List<JobFailure>();
        if (limit <= 0)
        {
            return failures;
        }

        await foreach (var row in Range(batchId, afterIndex is { } after ? JobKey("f.", after + 1) : "f.", "f/", cancellationToken))
        {
            if (ReadOutcome(batchId, row) is { Status: JobStatus.Failed } failed)
            {
                failures.Add(new JobFailure(failed.JobId, failed.ErrorCode, failed.Error));
                if (failures.Count == limit)
                {
                    break;
                }
            }
        }

        return failures;
    }

    /// <summary>Every stored job state of the batch (a scan: for the rare judgement of a quiet batch, not for polls).</summary>
    public async Task<IReadOnlyList<JobOutcome>> ReadJobsAsync(string batchId, CancellationToken cancellationToken)
    {
        var jobs = new List<JobOutcome>();
        await foreach (var row in Range(batchId, "j.", "j/", cancellationToken))
        {
            if (ReadOutcome(batchId, row) is { } outcome)
            {
                jobs.Add(outcome);
            }
        }

        return jobs;
    }

    /// <summary>
    /// Applies reports of one batch, all checked to be its jobs, and returns how many changed a
    /// job. Idempotent: a report that changes nothing stored changes no job. Throws when the store
    /// cannot be written; what was stored stays stored, and applying again is safe.
    /// </summary>
    public async Task<int> ApplyAsync(BatchDefinition batch, IReadOnlyList<JobOutcome> outcomes, CancellationToken cancellationToken) =>
        (await ApplyChangesAsync(batch, outcomes, cancellationToken)).Count;

    /// <summary>As <see cref="ApplyAsync"/>, returning the ids of the jobs this call changed (another replica's change of the same job is not among them).</summary>
    public async Task<IReadOnlySet<string>> ApplyChangesAsync(BatchDefinition batch, IReadOnlyList<JobOutcome> outcomes, CancellationToken cancellationToken)
    {
        // Jobs whose change is stored by an earlier transaction of this call: seen again after a
        // conflict, they are no repeat.
        var committed = new HashSet<string>(StringComparer.Ordinal);
        for (var attempt = 1; ; attempt++)
        {
            var stored = await ReadRowsAsync(batch.BatchId, outcomes, cancellationToken);
            var progress = new BatchProgress(batch.BatchId, batch.Total);
            foreach (var (outcome, _) in stored.Values)
            {
                if (outcome is not null)
                {
                    progress.Know(outcome);
                }
            }

            var repeated = 0;
            foreach (var outcome in outcomes)
            {
                var before = progress.StateOf(outcome.JobId);
                if (!progress.Apply(outcome) && !outcome.IsProgress && before?.Status == outcome.Status && !committed.Contains(outcome.JobId))
                {
                    repeated++;
                }
            }

            // Nothing to change still writes this writer's row: a report that changes nothing (a
            // running job's heartbeat) says the batch is alive, to every replica's lost-job sweep.
            var changes = progress.Changes();
            if (changes.Count == 0 && committed.Count > 0)
            {
                return committed;
            }

            try
            {
                foreach (var part in Transactions(changes))
                {
                    await SubmitAsync(batch.BatchId, part, stored, repeated, cancellationToken);
                    repeated = 0;
                    committed.UnionWith(part.Select(change => change.JobId));
                }

                return committed;
            }
            catch (TableTransactionFailedException ex) when (ex.Status is 404 or 409 or 412 && attempt < MaxAttempts)
            {
                // Another replica changed one of these jobs, this writer's row moved on (an earlier
                // attempt that timed out was stored after all), or a row as read is gone (a store
                // that lost its last writes, this writer's own row among them): read again and re-plan.
                _own.TryRemove(batch.BatchId, out _);
            }
            catch (Exception)
            {
                // Whether the failed write was stored is unknown: this writer's row is read again
                // next time, never written over an ETag that may no longer exist.
                _own.TryRemove(batch.BatchId, out _);
                throw;
            }
        }
    }

    /// <summary>The changes cut into transactions of at most 100 operations, the writer's counts row in each.</summary>
    private static IEnumerable<List<JobChange>> Transactions(IReadOnlyList<JobChange> changes)
    {
        var part = new List<JobChange>();
        var operations = 1;
        foreach (var change in changes)
        {
            var needs = change.Before?.Status == JobStatus.Failed || change.After.Status == JobStatus.Failed ? 2 : 1;
            if (operations + needs > MaxOperations)
            {
                yield return part;
                (part, operations) = ([], 1);
            }

            part.Add(change);
            operations += needs;
        }

        yield return part;
    }

    /// <summary>One transaction: the jobs' rows, each only if as read, and this writer's counts with their change.</summary>
    private async Task SubmitAsync(string batchId, List<JobChange> part, Dictionary<string, (JobOutcome? Outcome, ETag ETag)> stored,
        int repeated, CancellationToken cancellationToken)
    {
        var own = _own.TryGetValue(batchId, out var cached) ? cached : await ReadOwnAsync(batchId, cancellationToken);
        var now = time.GetUtcNow();
        var rate = EndRate.Parse(own.Rate.ToString());
        // The rate is of rendering: a cancelled job's end is none.
        rate.Add(part.Count(c => c.After.Status is JobStatus.Succeeded or JobStatus.Failed), now);
        var counts = part.Aggregate(own.Counts, (sum, change) => sum + BatchProgress.Change(change.Before?.Status, change.After.Status));
        var actions = new List<TableTransactionAction>(MaxOperations);
        foreach (var change in part)
        {
            AddJobActions(actions, batchId, change, stored.TryGetValue(change.JobId, out var row) ? row.ETag : null);
        }

        var countsRow = new TableEntity(batchId, "c." + _writer)
        {
            ["Succeeded"] = counts.Succeeded,
            ["Failed"] = counts.Failed,
            ["Retrying"] = counts.Retrying,
            ["InFlight"] = counts.InFlight,
            ["Cancelled"] = counts.Cancelled,
            ["Held"] = counts.Held,
            ["Rate"] = rate.ToString(),
            ["RepeatedEnds"] = own.RepeatedEnds + repeated,
            ["WrittenAt"] = now,
        };
        actions.Add(own.ETag is { } etag
            ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, countsRow, etag)
            : new TableTransactionAction(TableTransactionActionType.Add, countsRow));
        var responses = (await Table.SubmitTransactionAsync(actions, cancellationToken)).Value;
        var written = responses.Count == actions.Count ? responses[^1].Headers.ETag : null;
        _own[batchId] = written is null ? await ReadOwnAsync(batchId, cancellationToken) : new WriterCounts(counts, rate, own.RepeatedEnds + repeated, written);
    }

    /// <summary>
    /// The job's row as it now is, guarded by the ETag read (merged: the record of its republishes
    /// stays); its failure row exists exactly while it is failed.
    /// </summary>
    private static void AddJobActions(List<TableTransactionAction> actions, string batchId, JobChange change, ETag? etag)
    {
        var index = JobPlanner.TryReadIndex(batchId, change.JobId)!.Value;
        var json = JsonSerializer.Serialize(change.After, JobJson.Default.JobOutcome);
        var jobRow = new TableEntity(batchId, JobKey("j.", index)) { ["Outcome"] = json };
        actions.Add(etag is { } known
            ? new TableTransactionAction(TableTransactionActionType.UpdateMerge, jobRow, known)
            : new TableTransactionAction(TableTransactionActionType.Add, jobRow));

        var wasFailed = change.Before?.Status == JobStatus.Failed;
        var isFailed = change.After.Status == JobStatus.Failed;
        var failureRow = new TableEntity(batchId, JobKey("f.", index)) { ["Outcome"] = json };
        if (isFailed)
        {
            actions.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, failureRow));
        }
        else if (wasFailed)
        {
            actions.Add(new TableTransactionAction(TableTransactionActionType.Delete, failureRow, ETag.All));
        }
    }

    /// <summary>The stored rows of the jobs <paramref name="outcomes"/> name: a range query per run of jobs that lie close together.</summary>
    private async Task<Dictionary<string, (JobOutcome? Outcome, ETag ETag)>> ReadRowsAsync(
        string batchId, IReadOnlyList<JobOutcome> outcomes, CancellationToken cancellationToken)
    {
        var wanted = outcomes.Select(o => JobPlanner.TryReadIndex(batchId, o.JobId)!.Value).Distinct().Order().ToList();
        var rows = new Dictionary<string, (JobOutcome?, ETag)>(StringComparer.Ordinal);
        for (var first = 0; first < wanted.Count;)
        {
            var last = first;
            while (last + 1 < wanted.Count && wanted[last + 1] - wanted[last] <= RangeGap)
            {
                last++;
            }

            if (first == last)
            {
                var row = await Table.GetEntityIfExistsAsync<TableEntity>(batchId, JobKey("j.", wanted[first]), cancellationToken: cancellationToken);
                if (row.HasValue)
                {
                    rows[JobPlanner.JobId(batchId, wanted[first])] = (ReadOutcome(batchId, row.Value!), row.Value!.ETag);
                }
            }
            else
            {
                await foreach (var row in Range(batchId, JobKey("j.", wanted[first]), JobKey("j.", wanted[last] + 1), cancellationToken))
                {
                    if (int.TryParse(row.RowKey.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                    {
                        rows[JobPlanner.JobId(batchId, index)] = (ReadOutcome(batchId, row), row.ETag);
                    }
                }
            }

            first = last + 1;
        }

        return rows;
    }

    private async Task<WriterCounts> ReadOwnAsync(string batchId, CancellationToken cancellationToken)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(batchId, "c." + _writer, cancellationToken: cancellationToken);
        if (!row.HasValue)
        {
            return new WriterCounts(default, new EndRate(), 0, null);
        }

        var (counts, rate, repeated, _) = ReadWriterCounts(batchId, row.Value!);
        return new WriterCounts(counts, rate, repeated, row.Value!.ETag);
    }

    /// <summary>A stored job state; null when the row does not read as one of this batch's (it is then overwritten as if absent).</summary>
    private static JobOutcome? ReadOutcome(string batchId, TableEntity row) =>
        row.GetString("Outcome") is { } json
        && OutcomeReader.Read(System.Text.Encoding.UTF8.GetBytes(json), fromLog: true).Outcome is { } outcome
        && outcome.BatchId == batchId
            ? outcome
            : null;

    private AsyncPageable<TableEntity> Range(string batchId, string from, string before, CancellationToken cancellationToken) =>
        Table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {batchId} and RowKey ge {from} and RowKey lt {before}"),
            maxPerPage: 1000, cancellationToken: cancellationToken);

    private static string JobKey(string kind, int index) => kind + index.ToString("D6", CultureInfo.InvariantCulture);
}
