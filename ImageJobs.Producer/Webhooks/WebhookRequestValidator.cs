namespace ImageJobs.Producer.Webhooks;

/// <summary>
/// A batch's callback: <see cref="Url"/>, signed with <see cref="Secret"/> (none: the setting's,
/// Webhooks:Secret), and with <see cref="OnFailure"/> an event per failed job too.
/// </summary>
public sealed record WebhookRequest(string? Url, string? Secret = null, bool OnFailure = false);

public static class WebhookRequestValidator
{
    /// <summary>Adds to <paramref name="errors"/> what is wrong with the batch's callback, by field (<c>webhook.url</c>, <c>webhook.secret</c>).</summary>
    public static void Validate(WebhookRequest? webhook, WebhookOptions options, IDictionary<string, string[]> errors)
    {
        if (webhook is null)
        {
            return;
        }

        if (string.IsNullOrEmpty(webhook.Url))
        {
            errors["webhook.url"] = ["webhook.url is required: the address the batch's events are sent to."];
        }
        else if (WebhookAddressPolicy.UrlProblem(webhook.Url, options) is { } problem)
        {
            errors["webhook.url"] = [$"webhook.url {problem}"];
        }

        if (webhook.Secret is not null && WebhookSignature.SecretProblem(webhook.Secret) is { } secret)
        {
            errors["webhook.secret"] = [$"webhook.secret {secret}"];
        }
        else if (webhook.Secret is null && options.Secret is null)
        {
            errors["webhook.secret"] = ["webhook.secret is required: no default signing secret is set (Webhooks:Secret)."];
        }
    }

    /// <summary>The subscription a valid request gives: its own callback, else the setting's, else none.</summary>
    public static WebhookSubscription? SubscriptionFor(WebhookRequest? webhook, WebhookOptions options) =>
        webhook is { Url: { } url }
            ? new WebhookSubscription(url, webhook.Secret, webhook.OnFailure)
            : options.Url is { } defaultUrl ? new WebhookSubscription(defaultUrl, null, options.OnFailure) : null;
}
