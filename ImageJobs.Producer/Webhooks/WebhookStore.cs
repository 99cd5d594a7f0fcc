using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using ImageJobs.Producer.Batches;
using Microsoft.Extensions.Options;

namespace ImageJobs.Producer.Webhooks;

/// <summary>Where a batch's events go: the URL, the batch's own secret (null: the setting's), and whether each failure is sent.</summary>
public sealed record WebhookSubscription(string Url, string? Secret, bool OnFailure);

/// <summary>One try to deliver an event: when, the receiver's status (null: no answer), why it failed, how long it took.</summary>
public sealed record WebhookAttempt(DateTimeOffset At, int? Status, string? Error, long DurationMs);

public static class WebhookStates
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";

    /// <summary>Not delivered within Webhooks:RetryFor, or refused for good (a callback the policy forbids).</summary>
    public const string GivenUp = "given_up";
}

/// <summary>An event as stored, with its attempts (the latest <see cref="WebhookStore.AttemptsKept"/>; <see cref="AttemptCount"/> counts all).</summary>
public sealed record WebhookEvent(string EventId, string BatchId, string Type, string State, DateTimeOffset RaisedAt,
    DateTimeOffset NextAttemptAt, int AttemptCount, IReadOnlyList<WebhookAttempt> Attempts, string Body)
{
    internal ETag ETag { get; init; }
}

/// <summary>
/// Webhook subscriptions and events in the batch table every replica shares, partition
/// <c>webhooks</c>: a row per batch with a callback (its id) and a row per event (<c>{batchId}.{key}</c>),
/// so one range reads a batch's events and one filtered query finds those due. An event is added
/// once (a second add of the same key is a conflict: raised already), and changed only as read (ETag):
/// a replica claims one by moving its next attempt past a lease, so only one delivers it, and one
/// that dies mid-delivery leaves it to be claimed again when the lease runs out.
/// </summary>
public sealed class WebhookStore(TableServiceClient tables, IOptions<BatchStateOptions> options)
{
    private const string Partition = "webhooks";
    public const int AttemptsKept = 30;

    private TableClient Table => tables.GetTableClient(options.Value.Table);

    public async Task SaveSubscriptionAsync(string batchId, WebhookSubscription subscription, CancellationToken cancellationToken) =>
        await Table.UpsertEntityAsync(new TableEntity(Partition, batchId)
        {
            ["Url"] = subscription.Url,
            ["Secret"] = subscription.Secret,
            ["OnFailure"] = subscription.OnFailure,
        }, TableUpdateMode.Replace, cancellationToken);

    /// <summary>The batch's subscription; null when it has none (or its row cannot be read as one).</summary>
    public async Task<WebhookSubscription?> LoadSubscriptionAsync(string batchId, CancellationToken cancellationToken)
    {
        if (!BatchStore.IsBatchId(batchId))
        {
            return null;
        }

        var row = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, batchId, cancellationToken: cancellationToken);
        return row.HasValue && row.Value!.GetString("Url") is { } url
            ? new WebhookSubscription(url, row.Value.GetString("Secret"), row.Value.GetBoolean("OnFailure") ?? false)
            : null;
    }

    /// <summary>Adds the event, due now; false when it was raised already (by this replica or another).</summary>
    public async Task<bool> RaiseAsync(string batchId, string key, string type, string body, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            await Table.AddEntityAsync(new TableEntity(Partition, $"{batchId}.{key}")
            {
                ["Type"] = type,
                ["State"] = WebhookStates.Pending,
                ["RaisedAt"] = now,
                ["NextAttemptAt"] = now,
                ["AttemptCount"] = 0,
                ["Attempts"] = "[]",
                ["Body"] = body,
            }, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    /// <summary>Up to <paramref name="limit"/> pending events whose next attempt is due.</summary>
    public async Task<IReadOnlyList<WebhookEvent>> ListDueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        var due = new List<WebhookEvent>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and State eq {WebhookStates.Pending} and NextAttemptAt le {now}");
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, maxPerPage: limit, cancellationToken: cancellationToken))
        {
            if (Read(row) is { } stored)
            {
                due.Add(stored);
                if (due.Count == limit)
                {
                    break;
                }
            }
        }

        return due;
    }

    /// <summary>The batch's events, oldest key first.</summary>
    public async Task<IReadOnlyList<WebhookEvent>> ListAsync(string batchId, CancellationToken cancellationToken)
    {
        var events = new List<WebhookEvent>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and RowKey gt {batchId + "."} and RowKey lt {batchId + "/"}");
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            if (Read(row) is { } stored)
            {
                events.Add(stored);
            }
        }

        return events;
    }

    /// <summary>Takes the event for delivery until <paramref name="until"/>; null when another replica changed it first.</summary>
    public async Task<WebhookEvent?> TryClaimAsync(WebhookEvent due, DateTimeOffset until, CancellationToken cancellationToken)
    {
        try
        {
            var response = await Table.UpdateEntityAsync(new TableEntity(Partition, due.EventId) { ["NextAttemptAt"] = until }, due.ETag,
                TableUpdateMode.Merge, cancellationToken);
            return due with { NextAttemptAt = until, ETag = response.Headers.ETag ?? ETag.All };
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return null;
        }
    }

    /// <summary>
    /// Records an attempt of a claimed event, with its new state and next attempt; false when the
    /// claim was lost meanwhile (the lease ran out and another replica took the event).
    /// </summary>
    public async Task<bool> RecordAttemptAsync(WebhookEvent claimed, WebhookAttempt attempt, string state, DateTimeOffset nextAttemptAt,
        CancellationToken cancellationToken)
    {
        var attempts = claimed.Attempts.Append(attempt).TakeLast(AttemptsKept).ToList();
        try
        {
            await Table.UpdateEntityAsync(new TableEntity(Partition, claimed.EventId)
            {
                ["State"] = state,
                ["NextAttemptAt"] = nextAttemptAt,
                ["AttemptCount"] = claimed.AttemptCount + 1,
                ["Attempts"] = JsonSerializer.Serialize(attempts, JsonSerializerOptions.Web),
            }, claimed.ETag, TableUpdateMode.Merge, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return false;
        }
    }

    /// <summary>Deletes the batch's subscription and events (retention).</summary>
    public async Task DeleteAsync(string batchId, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and RowKey ge {batchId} and RowKey lt {batchId + "/"}");
        var rows = new List<TableTransactionAction>();
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            // Keys between "{batchId}" and "{batchId}/" that belong to a longer batch id ("{batchId}-x") are not this batch's.
            if (row.RowKey == batchId || row.RowKey.StartsWith(batchId + ".", StringComparison.Ordinal))
            {
                rows.Add(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(Partition, row.RowKey), ETag.All));
            }
        }

        foreach (var chunk in rows.Chunk(100))
        {
            await Table.SubmitTransactionAsync(chunk, cancellationToken);
        }
    }

    /// <summary>A stored event; null for a row that is no event (a subscription) or cannot be read as one.</summary>
    private static WebhookEvent? Read(TableEntity row)
    {
        var dot = row.RowKey.IndexOf('.', StringComparison.Ordinal);
        try
        {
            if (dot <= 0 || row.GetString("Type") is not { } type || row.GetString("State") is not { } state
                || row.GetDateTimeOffset("RaisedAt") is not { } raisedAt || row.GetDateTimeOffset("NextAttemptAt") is not { } next)
            {
                return null;
            }

            var attempts = JsonSerializer.Deserialize<List<WebhookAttempt>>(row.GetString("Attempts") ?? "[]", JsonSerializerOptions.Web) ?? [];
            return new WebhookEvent(row.RowKey, row.RowKey[..dot], type, state, raisedAt, next, row.GetInt32("AttemptCount") ?? attempts.Count,
                attempts, row.GetString("Body") ?? "")
            { ETag = row.ETag };
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
    }
}
