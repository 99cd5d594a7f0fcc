using System.ComponentModel.DataAnnotations;
using ImageJobs.Messaging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace ImageJobs.Producer.Telemetry;

/// <summary>One queue's depth and consumers at one moment.</summary>
public sealed record QueueSample(string Queue, long Messages, long Consumers);

/// <summary>How often the queues are sampled, bound from <c>Telemetry</c>.</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan QueueSampleInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Samples queue depth and consumer count with a passive declare, at most once per interval:
/// an exporter may read the gauges often, and the broker should not pay for each read. Warns
/// (once each time it crosses <see cref="FillWarning"/>) as a bounded queue fills: past its
/// length the broker moves or drops its oldest messages.
/// </summary>
public sealed partial class QueueSampler(
    IConnection connection,
    IOptions<TelemetryOptions> options,
    IOptions<MessagingOptions> messaging,
    TimeProvider time,
    ILogger<QueueSampler> logger) : BackgroundService
{
    public const double FillWarning = 0.8;

    private readonly HashSet<string> _warned = new(StringComparer.Ordinal);

    private static readonly string[] Queues = [JobTopology.JobsQueue, JobTopology.DeadLetterQueue, JobTopology.OutcomesQueue, JobTopology.ParkedQueue];

    private volatile IReadOnlyList<QueueSample> _latest = [];

    public IReadOnlyList<QueueSample> Latest => _latest;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                _latest = await SampleAsync(stoppingToken);
                WarnAsBoundedQueuesFill(_latest);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // A queue not declared yet, or the broker away: keep the last figures.
                LogSampleFailed(logger, ex);
            }

            try
            {
                await Task.Delay(options.Value.QueueSampleInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public Task<IReadOnlyList<QueueSample>> SampleAsync(CancellationToken cancellationToken) => SampleAsync(Queues, cancellationToken);

    /// <summary>How full each bounded queue was at the last sample (0 to 1).</summary>
    public IEnumerable<(string Queue, double Fill)> Fill()
    {
        var bounds = JobTopology.BoundedQueues(messaging.Value);
        return _latest.Where(q => bounds.ContainsKey(q.Queue)).Select(q => (q.Queue, (double)q.Messages / bounds[q.Queue]));
    }

    private void WarnAsBoundedQueuesFill(IReadOnlyList<QueueSample> samples)
    {
        var bounds = JobTopology.BoundedQueues(messaging.Value);
        foreach (var sample in samples.Where(s => bounds.ContainsKey(s.Queue)))
        {
            var limit = bounds[sample.Queue];
            if (sample.Messages >= FillWarning * limit)
            {
                if (_warned.Add(sample.Queue))
                {
                    LogFilling(logger, sample.Queue, sample.Messages, limit);
                }
            }
            else
            {
                _warned.Remove(sample.Queue);
            }
        }
    }

    /// <summary>Samples <paramref name="queues"/> now (throws if one is not declared or the broker is away).</summary>
    public async Task<IReadOnlyList<QueueSample>> SampleAsync(IReadOnlyList<string> queues, CancellationToken cancellationToken)
    {
        var samples = new List<QueueSample>(queues.Count);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        foreach (var queue in queues)
        {
            var declared = await channel.QueueDeclarePassiveAsync(queue, cancellationToken);
            samples.Add(new QueueSample(queue, declared.MessageCount, declared.ConsumerCount));
        }

        return samples;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue {Queue} holds {Messages} of at most {Limit} messages: past that its oldest are moved to imagejobs.parked (from imagejobs.jobs.dead) or dropped (from imagejobs.parked). Requeue or purge what is there")]
    private static partial void LogFilling(ILogger logger, string queue, long messages, int limit);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sampling queue depths failed; keeping the last sample")]
    private static partial void LogSampleFailed(ILogger logger, Exception exception);
}
