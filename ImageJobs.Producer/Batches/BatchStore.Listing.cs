using System.Globalization;
using Azure;
using Azure.Data.Tables;

namespace ImageJobs.Producer.Batches;

/// <summary>A page of a list: its items, and the token for the next page (null: this was the last).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? ContinuationToken);

/// <summary>
/// The store's order of batches, newest first (partition <c>order</c>: a key per batch, its
/// creation time inverted, then its id), for paged lists and for retention; and a batch's deletion.
/// </summary>
public sealed partial class BatchStore
{
    private const string OrderPartition = "order";

    private static string OrderKey(DateTimeOffset createdAt, string batchId) =>
        (DateTimeOffset.MaxValue.UtcTicks - createdAt.UtcTicks).ToString("D19", CultureInfo.InvariantCulture) + "." + batchId;

    /// <summary>Whether <paramref name="token"/> is a key this store hands out as a continuation token (it comes from outside).</summary>
    public static bool IsContinuationToken(string token) =>
        token.Length > 20 && token[..19].All(char.IsAsciiDigit) && token[19] == '.' && IsBatchId(token[20..]);

    /// <summary>Up to <paramref name="limit"/> batch ids, newest first, after <paramref name="continuationToken"/>.</summary>
    public async Task<Page<string>> ListIdsAsync(int limit, string? continuationToken, CancellationToken cancellationToken)
    {
        var filter = continuationToken is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {OrderPartition}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {OrderPartition} and RowKey gt {continuationToken}");
        var keys = new List<string>(limit + 1);
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, maxPerPage: limit + 1, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            keys.Add(row.RowKey);
            if (keys.Count > limit)
            {
                break;
            }
        }

        var page = keys.Take(limit).ToList();
        return new Page<string>(page.Select(key => key[20..]).ToList(), keys.Count > limit ? page[^1] : null);
    }

    /// <summary>The batches created before <paramref name="cutoff"/> (their ids and order keys), oldest last.</summary>
    public async Task<IReadOnlyList<(string BatchId, string OrderKey)>> ListCreatedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var from = (DateTimeOffset.MaxValue.UtcTicks - cutoff.UtcTicks + 1).ToString("D19", CultureInfo.InvariantCulture);
        var ids = new List<(string, string)>();
        await foreach (var row in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {OrderPartition} and RowKey ge {from}"),
            select: ["RowKey"], cancellationToken: cancellationToken))
        {
            if (IsContinuationToken(row.RowKey))
            {
                ids.Add((row.RowKey[20..], row.RowKey));
            }
        }

        return ids;
    }

    /// <summary>
    /// Deletes every row of the batch: its jobs, failures and counts, then its definition, then
    /// its place in the order, so a deletion cut short is found and finished by the next one.
    /// </summary>
    public async Task DeleteAsync(string batchId, string orderKey, CancellationToken cancellationToken)
    {
        var rows = new List<TableTransactionAction>();
        await foreach (var row in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {batchId}"),
            select: ["RowKey"], cancellationToken: cancellationToken))
        {
            rows.Add(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(batchId, row.RowKey), ETag.All));
        }

        foreach (var chunk in rows.Chunk(MaxOperations))
        {
            await Table.SubmitTransactionAsync(chunk, cancellationToken);
        }

        _own.TryRemove(batchId, out _);
        await Table.DeleteEntityAsync(ControlsPartition, batchId, ETag.All, cancellationToken);
        await Table.DeleteEntityAsync(DefinitionsPartition, batchId, ETag.All, cancellationToken);
        await Table.DeleteEntityAsync(OrderPartition, orderKey, ETag.All, cancellationToken);
    }
}
