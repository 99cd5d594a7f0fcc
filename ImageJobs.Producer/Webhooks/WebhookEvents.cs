using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using ImageJobs.Contracts;
using ImageJobs.Producer.Batches;

namespace ImageJobs.Producer.Webhooks;

/// <summary>The event types a receiver may get; <c>type</c> in the body.</summary>
public static class WebhookEventTypes
{
    /// <summary>Every job of the batch ended (succeeded, failed or cancelled); raised again only if a requeue changes the counts.</summary>
    public const string BatchCompleted = "batch.completed";

    /// <summary>A job of the batch failed (only for a subscription with onFailure).</summary>
    public const string JobFailed = "job.failed";

    /// <summary>Raised when an operator cancels, pauses or resumes the batch (<see cref="WebhookEvents.ControlledAsync"/>).</summary>
    public const string BatchCancelled = "batch.cancelled";
    public const string BatchPaused = "batch.paused";
    public const string BatchResumed = "batch.resumed";
}

/// <summary>The body of every event (Standard Webhooks' shape): its type, when it was raised, and what it is about.</summary>
public sealed record WebhookPayload(string Type, DateTimeOffset Timestamp, object Data);

public sealed record BatchCompletedData(string BatchId, int Total, int Succeeded, int Failed, string StatusUrl, int Cancelled = 0);

/// <summary>A batch's control changed: its new state (<c>paused</c>, <c>running</c>, <c>cancelled</c>) and its counts at the time.</summary>
public sealed record BatchControlledData(string BatchId, string State, int Total, int Succeeded, int Failed, int Cancelled, int Held, string StatusUrl);

public sealed record JobFailedData(string BatchId, string JobId, string? ErrorCode, string? Error);

/// <summary>
/// Raises a batch's events into <see cref="WebhookStore"/> as reports are stored: each once
/// (its key names what it is about), before the reports are acknowledged, so a producer that dies
/// in between raises it again from the redelivered reports, and the second add finds it raised.
/// </summary>
public sealed class WebhookEvents(WebhookStore webhooks, BatchStore batches, TimeProvider time)
{
    private const int MaxErrorLength = 1_000;

    // A batch's subscription never changes once stored, and is stored before its first job is published.
    private readonly ConcurrentDictionary<string, WebhookSubscription?> _subscriptions = new(StringComparer.Ordinal);

    /// <summary>After <paramref name="stored"/> reports of <paramref name="batch"/> were stored: the failures (if subscribed) and the batch's end.</summary>
    public async Task RecordedAsync(BatchDefinition batch, IReadOnlyList<JobOutcome> stored, CancellationToken cancellationToken)
    {
        if (await SubscriptionAsync(batch.BatchId, cancellationToken) is not { } subscription)
        {
            return;
        }

        var now = time.GetUtcNow();
        if (subscription.OnFailure)
        {
            foreach (var failed in stored.Where(o => o.Status == JobStatus.Failed))
            {
                var index = JobPlanner.TryReadIndex(batch.BatchId, failed.JobId)!.Value;
                var error = failed.Error is { Length: > MaxErrorLength } lengthy ? lengthy[..MaxErrorLength] : failed.Error;
                await RaiseAsync(batch.BatchId, WebhookEventTypes.JobFailed,
                    FormattableString.Invariant($"failed.{index:D6}.{failed.CompletedAt.UtcTicks}"),
                    new JobFailedData(batch.BatchId, failed.JobId, failed.ErrorCode, error), now, cancellationToken);
            }
        }

        var counts = (await batches.ReadCountsAsync(batch.BatchId, cancellationToken)).Counts;
        if (counts.Ended >= batch.Total)
        {
            // The key of a batch without cancelled jobs is as before cancelling existed: no event is raised twice across an upgrade.
            var key = counts.Cancelled == 0
                ? string.Create(CultureInfo.InvariantCulture, $"completed.{counts.Succeeded}.{counts.Failed}")
                : string.Create(CultureInfo.InvariantCulture, $"completed.{counts.Succeeded}.{counts.Failed}.{counts.Cancelled}");
            await RaiseAsync(batch.BatchId, WebhookEventTypes.BatchCompleted, key,
                new BatchCompletedData(batch.BatchId, batch.Total, counts.Succeeded, counts.Failed, $"/api/batches/{batch.BatchId}", counts.Cancelled), now, cancellationToken);
        }
    }

    /// <summary>
    /// After the batch's control was changed to <paramref name="control"/>: batch.cancelled, batch.paused
    /// or batch.resumed, once per change, with the batch's <paramref name="counts"/> as read for the change.
    /// </summary>
    public async Task ControlledAsync(BatchDefinition batch, BatchControl control, BatchCounts counts, CancellationToken cancellationToken)
    {
        var (type, state) = control.State switch
        {
            BatchControlState.Cancelled => (WebhookEventTypes.BatchCancelled, BatchStates.Cancelled),
            BatchControlState.Paused => (WebhookEventTypes.BatchPaused, BatchStates.Paused),
            _ => (WebhookEventTypes.BatchResumed, BatchStates.Running),
        };
        await RaiseAsync(batch.BatchId, type, string.Create(CultureInfo.InvariantCulture, $"control.{state}.{control.ChangedAt.UtcTicks}"),
            new BatchControlledData(batch.BatchId, state, batch.Total, counts.Succeeded, counts.Failed, counts.Cancelled, counts.Held, $"/api/batches/{batch.BatchId}"),
            control.ChangedAt, cancellationToken);
    }

    /// <summary>
    /// Raises an event of the batch when it has a subscription: <paramref name="key"/> names it
    /// (letters, digits, dots, hyphens), so raising the same key again does nothing. Returns whether it was added.
    /// </summary>
    public async Task<bool> RaiseAsync(string batchId, string type, string key, object data, CancellationToken cancellationToken) =>
        await RaiseAsync(batchId, type, key, data, time.GetUtcNow(), cancellationToken);

    private async Task<bool> RaiseAsync(string batchId, string type, string key, object data, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!key.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-') || key.Length is 0 or > 200)
        {
            throw new ArgumentException("An event key is 1-200 letters, digits, dots and hyphens.", nameof(key));
        }

        if (await SubscriptionAsync(batchId, cancellationToken) is null)
        {
            return false;
        }

        var body = JsonSerializer.Serialize(new WebhookPayload(type, now, data), JsonSerializerOptions.Web);
        return await webhooks.RaiseAsync(batchId, key, type, body, now, cancellationToken);
    }

    private async Task<WebhookSubscription?> SubscriptionAsync(string batchId, CancellationToken cancellationToken)
    {
        if (_subscriptions.TryGetValue(batchId, out var known))
        {
            return known;
        }

        var subscription = await webhooks.LoadSubscriptionAsync(batchId, cancellationToken);
        _subscriptions.TryAdd(batchId, subscription);
        return subscription;
    }
}
