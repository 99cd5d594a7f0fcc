using System.ComponentModel.DataAnnotations;

namespace ImageJobs.Producer.Webhooks;

/// <summary>
/// Webhook delivery, bound from <c>Webhooks</c>. <see cref="Url"/> and <see cref="Secret"/> are the
/// defaults of a batch that names none; <see cref="Secret"/> is never logged nor served.
/// </summary>
public sealed class WebhookOptions
{
    public const string SectionName = "Webhooks";

    /// <summary>The callback of every batch that names none; unset, only batches that name one are called back.</summary>
    public string? Url { get; set; }

    /// <summary>With <see cref="Url"/>: also call back on each failed job, not only when the batch is done.</summary>
    public bool OnFailure { get; set; }

    /// <summary>The signing secret of every batch that brings none: <c>whsec_</c> and 24 to 64 bytes in base64 (Standard Webhooks).</summary>
    public string? Secret { get; set; }

    /// <summary>
    /// Host names that may resolve to addresses inside the environment (loopback, private, link-local):
    /// none by default; local mode allows <c>localhost</c> and <c>127.0.0.1</c> for a receiver on the machine.
    /// </summary>
    public string[] AllowedHosts { get; set; } = [];

    /// <summary>Plain http callbacks; false in Azure, where only https is called.</summary>
    public bool AllowHttp { get; set; }

    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan PollEvery { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The wait after the first failed attempt; each later one waits twice as long, up to <see cref="MaxRetryAfter"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan FirstRetryAfter { get; set; } = TimeSpan.FromSeconds(10);

    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>An event not delivered this long after it was raised is given up.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan RetryFor { get; set; } = TimeSpan.FromDays(1);

    /// <summary>One attempt, connection included.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a replica holds an event it is delivering; a replica that dies leaves it to another after this.</summary>
    [Range(typeof(TimeSpan), "00:00:02", "00:30:00")]
    public TimeSpan LeaseFor { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Events delivered at once by one replica.</summary>
    [Range(1, 64)]
    public int MaxConcurrent { get; set; } = 4;

    /// <summary>Whether the settings agree with each other; the message names the setting.</summary>
    public string? Problem()
    {
        if (Secret is not null && WebhookSignature.SecretProblem(Secret) is { } secret)
        {
            return $"Webhooks:Secret {secret}";
        }

        if (Url is not null && WebhookAddressPolicy.UrlProblem(Url, this) is { } url)
        {
            return $"Webhooks:Url {url}";
        }

        if (Url is not null && Secret is null)
        {
            return "Webhooks:Url needs Webhooks:Secret: every event is signed.";
        }

        return LeaseFor <= Timeout ? "Webhooks:LeaseFor must be longer than Webhooks:Timeout: an attempt must end while its replica holds the event." : null;
    }
}
