using Azure;
using Azure.Data.Tables;

namespace ImageJobs.Producer.Batches;

/// <summary>Whether a batch is published, when its publisher last marked it (its creation if never), and its row's ETag to take it over by.</summary>
public sealed record PublishingState(bool Published, DateTimeOffset MarkedAt, ETag ETag);

/// <summary>The marks a replica leaves on a batch's definition while it publishes the batch (<see cref="PublisherLease"/>).</summary>
public sealed partial class BatchStore
{
    private const string PublishingAtColumn = "PublishingAt";

    /// <summary>Marks the batch as being published now.</summary>
    public async Task MarkPublishingAsync(string batchId, DateTimeOffset now, CancellationToken cancellationToken) =>
        await Table.UpdateEntityAsync(PublishingMark(batchId, now), ETag.All, TableUpdateMode.Merge, cancellationToken);

    /// <summary>
    /// Marks the batch as being published now by this replica, if its row is as read: false when it changed
    /// since (its publisher marked it again, or another replica took it over first).
    /// </summary>
    public async Task<bool> TakeOverPublishingAsync(string batchId, ETag etag, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            await Table.UpdateEntityAsync(PublishingMark(batchId, now), etag, TableUpdateMode.Merge, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return false;
        }
    }

    /// <summary>The batch's publishing state; null when there is no such batch.</summary>
    public async Task<PublishingState?> ReadPublishingAsync(string batchId, CancellationToken cancellationToken)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(DefinitionsPartition, batchId, cancellationToken: cancellationToken);
        if (!row.HasValue)
        {
            return null;
        }

        var batch = ReadDefinition(row.Value!);
        return new PublishingState(batch.Published, row.Value!.GetDateTimeOffset(PublishingAtColumn) ?? batch.CreatedAt, row.Value.ETag);
    }

    private static TableEntity PublishingMark(string batchId, DateTimeOffset now) =>
        new(DefinitionsPartition, batchId) { [PublishingAtColumn] = now };
}
