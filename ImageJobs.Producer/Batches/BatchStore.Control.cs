using Azure;
using Azure.Data.Tables;
using ImageJobs.Contracts;

namespace ImageJobs.Producer.Batches;

/// <summary>A batch's control as stored, with the ETag that guards its next change (null: never changed, so running).</summary>
public sealed record StoredControl(BatchControl Control, ETag? ETag);

/// <summary>
/// Each batch's control (paused, resumed, cancelled) as a row of partition <c>controls</c>, one per
/// batch ever controlled: every replica reads the same, a change is made only if the row is as read,
/// and one query finds the few batches whose held jobs may need releasing or cancelling.
/// </summary>
public sealed partial class BatchStore
{
    private const string ControlsPartition = "controls";

    /// <summary>The batch's control; running, with no ETag, when it was never changed (or its row cannot be read, and is then overwritten).</summary>
    public async Task<StoredControl> ReadControlAsync(string batchId, CancellationToken cancellationToken)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(ControlsPartition, batchId, cancellationToken: cancellationToken);
        return row.HasValue ? ReadControl(row.Value!) with { ETag = row.Value!.ETag } : new StoredControl(Running(batchId), null);
    }

    /// <summary>Stores <paramref name="control"/> if the row is still as read (<paramref name="etag"/>; null: none was); false when another change came first.</summary>
    public async Task<bool> TryWriteControlAsync(BatchControl control, ETag? etag, CancellationToken cancellationToken)
    {
        var row = new TableEntity(ControlsPartition, control.BatchId)
        {
            ["State"] = control.State.ToString(),
            ["ChangedAt"] = control.ChangedAt,
        };
        try
        {
            if (etag is { } known)
            {
                await Table.UpdateEntityAsync(row, known, TableUpdateMode.Replace, cancellationToken);
            }
            else
            {
                await Table.AddEntityAsync(row, cancellationToken);
            }

            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return false;
        }
    }

    /// <summary>Every batch ever paused, resumed or cancelled, with its control.</summary>
    public async Task<IReadOnlyList<BatchControl>> ListControlsAsync(CancellationToken cancellationToken)
    {
        var controls = new List<BatchControl>();
        await foreach (var row in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {ControlsPartition}"), cancellationToken: cancellationToken))
        {
            if (IsBatchId(row.RowKey))
            {
                controls.Add(ReadControl(row).Control);
            }
        }

        return controls;
    }

    private static StoredControl ReadControl(TableEntity row)
    {
        var state = Enum.TryParse<BatchControlState>(ReadOr(() => row.GetString("State"), null), out var parsed) && Enum.IsDefined(parsed)
            ? parsed
            : BatchControlState.Running;
        var changedAt = ReadOr(() => row.GetDateTimeOffset("ChangedAt"), null) ?? DateTimeOffset.MinValue;
        return new StoredControl(new BatchControl(BatchControl.CurrentSchemaVersion, row.RowKey, state, changedAt), null);
    }

    private static BatchControl Running(string batchId) =>
        new(BatchControl.CurrentSchemaVersion, batchId, BatchControlState.Running, DateTimeOffset.MinValue);
}
