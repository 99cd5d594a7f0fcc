namespace ImageJobs.Producer.Webhooks;

/// <summary>When an event that failed to be delivered is tried again: exponential backoff, within a deadline.</summary>
public static class WebhookSchedule
{
    /// <summary>
    /// The time of the next attempt after <paramref name="failedAttempts"/> failed ones, the last at
    /// <paramref name="now"/>: <see cref="WebhookOptions.FirstRetryAfter"/> doubled per attempt, at most
    /// <see cref="WebhookOptions.MaxRetryAfter"/>; null when that is past <see cref="WebhookOptions.RetryFor"/>
    /// from <paramref name="raisedAt"/> (the event is given up).
    /// </summary>
    public static DateTimeOffset? NextAttemptAt(int failedAttempts, DateTimeOffset raisedAt, DateTimeOffset now, WebhookOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempts, 1);
        var doublings = Math.Min(failedAttempts - 1, 40);
        var delay = TimeSpan.FromTicks((long)Math.Min(options.FirstRetryAfter.Ticks * Math.Pow(2, doublings), options.MaxRetryAfter.Ticks));
        var next = now + delay;
        return next > raisedAt + options.RetryFor ? null : next;
    }
}
