using ImageJobs.Producer.Batches;
using Microsoft.Extensions.Options;

namespace ImageJobs.Producer.Webhooks;

/// <summary>
/// Delivers due events, on every replica: each is claimed first (<see cref="WebhookStore.TryClaimAsync"/>),
/// so one replica sends it; then sent, and the attempt recorded with the next one's time
/// (<see cref="WebhookSchedule"/>), or the event marked delivered or given up. A receiver may still
/// get an event twice (a replica that dies after sending, before recording): it tells them apart by
/// <c>webhook-id</c>.
/// </summary>
public sealed partial class WebhookDispatcher(
    WebhookStore store,
    WebhookSender sender,
    TimeProvider time,
    IOptions<WebhookOptions> options,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicSweep.RunAsync(options.Value.PollEvery, time, async token => await DeliverDueAsync(token),
            ex => LogSweepFailed(logger, ex), stoppingToken);

    /// <summary>Claims and delivers the events due now; returns how many this replica attempted.</summary>
    public async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var due = await store.ListDueAsync(time.GetUtcNow(), settings.MaxConcurrent * 8, cancellationToken);
        var attempted = 0;
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = settings.MaxConcurrent, CancellationToken = cancellationToken },
            async (stored, token) =>
            {
                if (await store.TryClaimAsync(stored, time.GetUtcNow() + settings.LeaseFor, token) is { } claimed)
                {
                    Interlocked.Increment(ref attempted);
                    await DeliverAsync(claimed, settings, token);
                }
            });
        return attempted;
    }

    private async Task DeliverAsync(WebhookEvent claimed, WebhookOptions settings, CancellationToken cancellationToken)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["BatchId"] = claimed.BatchId, ["WebhookId"] = claimed.EventId });
        var subscription = await store.LoadSubscriptionAsync(claimed.BatchId, cancellationToken);
        WebhookAttempt attempt;
        var refused = false;
        if (subscription is null || (subscription.Secret ?? settings.Secret) is not { } secret)
        {
            (attempt, refused) = (new WebhookAttempt(time.GetUtcNow(), null,
                subscription is null ? "the batch has no callback any more" : "no signing secret: the batch brought none and Webhooks:Secret is not set", 0), true);
        }
        else
        {
            try
            {
                attempt = await sender.SendAsync(claimed, subscription.Url, secret, cancellationToken);
            }
            catch (WebhookRefusedException ex)
            {
                (attempt, refused) = (new WebhookAttempt(time.GetUtcNow(), null, ex.Message, 0), true);
            }
        }

        var now = time.GetUtcNow();
        var next = attempt.Error is null || refused ? null : WebhookSchedule.NextAttemptAt(claimed.AttemptCount + 1, claimed.RaisedAt, now, settings);
        var state = attempt.Error is null ? WebhookStates.Delivered : next is null ? WebhookStates.GivenUp : WebhookStates.Pending;
        if (!await store.RecordAttemptAsync(claimed, attempt, state, next ?? now, cancellationToken))
        {
            LogClaimLost(logger, claimed.BatchId, claimed.EventId);
            return;
        }

        var shownUrl = subscription is null ? "(none)" : WebhookAddressPolicy.Shown(subscription.Url);
        switch (state)
        {
            case WebhookStates.Delivered:
                LogDelivered(logger, claimed.BatchId, claimed.EventId, claimed.Type, shownUrl, attempt.Status ?? 0, claimed.AttemptCount + 1);
                break;
            case WebhookStates.Pending:
                LogRetrying(logger, claimed.BatchId, claimed.EventId, shownUrl, attempt.Error!, next!.Value);
                break;
            default:
                LogGivenUp(logger, claimed.BatchId, claimed.EventId, shownUrl, attempt.Error!, claimed.AttemptCount + 1);
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Batch {BatchId}: webhook {WebhookId} ({Type}) delivered to {Url}: {Status}, attempt {Attempt}")]
    private static partial void LogDelivered(ILogger logger, string batchId, string webhookId, string type, string url, int status, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch {BatchId}: webhook {WebhookId} to {Url} failed ({Error}); next attempt at {NextAttemptAt:O}")]
    private static partial void LogRetrying(ILogger logger, string batchId, string webhookId, string url, string error, DateTimeOffset nextAttemptAt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Batch {BatchId}: webhook {WebhookId} to {Url} given up after {Attempts} attempts: {Error}")]
    private static partial void LogGivenUp(ILogger logger, string batchId, string webhookId, string url, string error, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch {BatchId}: webhook {WebhookId} was taken by another replica while this one delivered it (its lease ran out)")]
    private static partial void LogClaimLost(ILogger logger, string batchId, string webhookId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivering webhooks failed; trying again at the next poll")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
