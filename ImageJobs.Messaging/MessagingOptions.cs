using System.ComponentModel.DataAnnotations;

namespace ImageJobs.Messaging;

/// <summary>Queue behaviour shared by producer and worker, bound from <c>Messaging</c>.</summary>
public sealed class MessagingOptions
{
    public const string SectionName = "Messaging";

    /// <summary>The connection name of the broker (ConnectionStrings:messaging).</summary>
    public const string ConnectionName = "messaging";

    /// <summary>Deliveries of one job before the broker dead-letters it. Must match on every declarer.</summary>
    [Range(2, 100)]
    public int DeliveryLimit { get; set; } = 5;

    /// <summary>
    /// Dead letters kept for a requeue (imagejobs.jobs.dead's x-max-length); past it the oldest move
    /// to imagejobs.parked. Their failures are recorded on their batches either way. Must match on every declarer.
    /// </summary>
    [Range(100, 10_000_000)]
    public int DeadLetterMaxLength { get; set; } = 100_000;

    /// <summary>Messages kept in imagejobs.parked (its x-max-length); past it the oldest are dropped. Must match on every declarer.</summary>
    [Range(100, 10_000_000)]
    public int ParkedMaxLength { get; set; } = 10_000;

    /// <summary>Unacknowledged jobs per consumer. 1 spreads jobs evenly across replicas.</summary>
    [Range(1, 100)]
    public ushort Prefetch { get; set; } = 1;

    /// <summary>Publishes awaited together; one at a time is tens of times slower.</summary>
    [Range(1, 10_000)]
    public int PublishGroupSize { get; set; } = 500;

    /// <summary>
    /// How long a group of publishes may wait for the broker's confirms before it is published
    /// again on a fresh channel: a confirm lost across a connection recovery must not hang a worker.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ConfirmTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Transient failures (storage or network trouble, timeouts) retried with delays before a job fails.</summary>
    [Range(0, 100)]
    public int TransientRetries { get; set; } = 5;

    /// <summary>A consumer that gets nothing this long while jobs wait is assumed lost and subscribes again.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan ConsumerWatchdog { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// While a job runs, its start is reported again this often: the producer takes a batch nothing
    /// is heard of (and no queue holds) as lost, so a long job must keep saying it is alive.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "00:10:00")]
    public TimeSpan ProgressHeartbeat { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A job running longer than this is abandoned and retried.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:25:00")]
    public TimeSpan JobTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The rule between the producer's lost-job quiet period and the workers' settings, as the setting names say it.</summary>
    public const string QuietPeriodRule = "LostJobs:QuietFor must be at least three Messaging:ProgressHeartbeat plus (Messaging:Prefetch - 1) times "
        + "Messaging:JobTimeout and Messaging:ConfirmTimeout: how long a batch with a job in a worker's hands can go unheard.";

    /// <summary>
    /// How long a batch with a job in a worker's hands can go unheard: a running job reports its
    /// start every heartbeat (three, in case a report is lost), and each job prefetched behind it
    /// waits for the one before to run out its time limit and have its end confirmed.
    /// </summary>
    public TimeSpan LongestSilence() => (3 * ProgressHeartbeat) + ((Prefetch - 1) * (JobTimeout + ConfirmTimeout));

    /// <summary>Whether a lost-job quiet period (LostJobs:QuietFor) is long enough for workers with these settings.</summary>
    public bool AllowsQuietPeriod(TimeSpan quietFor) => quietFor >= LongestSilence();
}
