using ImageJobs.Producer.Batches;
using Microsoft.Extensions.Options;

namespace ImageJobs.Producer.Webhooks;

/// <summary>An event as the API shows it (no body, no secret).</summary>
public sealed record WebhookEventView(string Id, string Type, string State, DateTimeOffset RaisedAt, DateTimeOffset? NextAttemptAt,
    int AttemptCount, IReadOnlyList<WebhookAttempt> Attempts);

/// <summary>A batch's callback (its URL without the query, which may hold a token) and its events with every attempt.</summary>
public sealed record WebhookDeliveries(string? Url, bool OnFailure, IReadOnlyList<WebhookEventView> Events);

public static class WebhookSetup
{
    public static IHostApplicationBuilder AddWebhooks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.SectionName).ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<WebhookOptions>, NamedProblem>();
        builder.Services.AddSingleton<WebhookStore>();
        builder.Services.AddSingleton<WebhookEvents>();
        builder.Services.AddSingleton<WebhookSender>();
        builder.Services.AddHostedService<WebhookDispatcher>();
        return builder;
    }

    /// <summary>GET /api/batches/{id}/webhooks: the batch's callback and every event with its attempts.</summary>
    public static IEndpointRouteBuilder MapWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/batches/{batchId}/webhooks", async (string batchId, BatchTracker tracker, WebhookStore store, CancellationToken cancellationToken) =>
        {
            if (!BatchEndpoints.IsBatchId(batchId) || !await tracker.ExistsAsync(batchId, cancellationToken))
            {
                return BatchEndpoints.NoBatch(batchId);
            }

            var subscription = await store.LoadSubscriptionAsync(batchId, cancellationToken);
            var events = await store.ListAsync(batchId, cancellationToken);
            return Results.Ok(new WebhookDeliveries(subscription is null ? null : WebhookAddressPolicy.Shown(subscription.Url), subscription?.OnFailure ?? false,
                [.. events.OrderBy(e => e.RaisedAt).Select(e => new WebhookEventView(e.EventId, e.Type, e.State, e.RaisedAt,
                    e.State == WebhookStates.Pending ? e.NextAttemptAt : null, e.AttemptCount, e.Attempts))]));
        })
            .WithTags("Webhooks")
            .WithName("ListWebhookDeliveries")
            .WithSummary("A batch's callback and every event sent to it, with each attempt")
            .Produces<WebhookDeliveries>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>The failure message names the setting that is wrong, not only the section.</summary>
    private sealed class NamedProblem : IValidateOptions<WebhookOptions>
    {
        public ValidateOptionsResult Validate(string? name, WebhookOptions options) =>
            options.Problem() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
    }
}
