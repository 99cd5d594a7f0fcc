using System.Collections.Frozen;
using System.Diagnostics.Metrics;
using ImageJobs.Contracts;
using ImageJobs.Producer.Batches;

namespace ImageJobs.Producer.Telemetry;

/// <summary>
/// The producer's instruments: jobs published, outcomes recorded, and gauges read from state kept
/// elsewhere (batch progress from <see cref="BatchTracker"/>, queue depths from
/// <see cref="QueueSampler"/>), so an export never touches storage or the broker.
/// </summary>
public sealed class ProducerMetrics
{
    public const string MeterName = "ImageJobs.Producer";

    private readonly Counter<long> _published;
    private readonly Counter<long> _requeued;
    private readonly Counter<long> _lost;
    private readonly Counter<long> _republished;
    private readonly Counter<long> _outcomes;
    private readonly Counter<long> _parked;

    public ProducerMetrics(IMeterFactory meterFactory, BatchTracker tracker, QueueSampler queues)
    {
        var meter = meterFactory.Create(MeterName);
        _published = meter.CreateCounter<long>("imagejobs.jobs.published", "{job}", "Jobs published and confirmed by the broker.");
        _requeued = meter.CreateCounter<long>("imagejobs.jobs.requeued", "{job}", "Dead-lettered jobs sent back to work.");
        _lost = meter.CreateCounter<long>("imagejobs.jobs.lost", "{job}", "Jobs in no queue and unreported for the quiet period, recorded as failed (job.lost).");
        _republished = meter.CreateCounter<long>("imagejobs.jobs.republished", "{job}", "Jobs in no queue and unreported for the quiet period, published again from their batch's definition.");
        _outcomes = meter.CreateCounter<long>("imagejobs.outcomes.recorded", "{outcome}", "Job reports received from workers and the dead-letter exchange, by status (duplicates included).");
        _parked = meter.CreateCounter<long>("imagejobs.messages.parked", "{message}", "Messages that could not be used where they were read, set aside in imagejobs.parked with their reason, by the queue they came from.");

        meter.CreateObservableGauge("imagejobs.batch.jobs", () => tracker.ActiveBatches().SelectMany(batch => new[]
        {
            Measure(batch.Succeeded, batch.BatchId, "succeeded"),
            Measure(batch.Failed, batch.BatchId, "failed"),
            Measure(batch.Queued, batch.BatchId, "queued"),
            Measure(batch.Retrying, batch.BatchId, "retrying"),
            Measure(batch.InFlight, batch.BatchId, "in_flight"),
            Measure(batch.Cancelled, batch.BatchId, "cancelled"),
            Measure(batch.Held, batch.BatchId, "held"),
        }), "{job}", "Jobs of each unfinished batch, by state; the states add up to the batch's total.");

        meter.CreateObservableGauge("imagejobs.queue.messages", () => queues.Latest.Select(q =>
            new Measurement<long>(q.Messages, new KeyValuePair<string, object?>("queue", q.Queue))),
            "{message}", "Messages ready in a queue (sampled every few seconds).");
        meter.CreateObservableGauge("imagejobs.queue.fill", () => queues.Fill().Select(q =>
            new Measurement<double>(q.Fill, new KeyValuePair<string, object?>("queue", q.Queue))),
            "1", "How full a bounded queue is (0 to 1); past 1 the broker moves or drops its oldest messages. A warning is logged at 0.8.");
        meter.CreateObservableGauge("imagejobs.queue.consumers", () => queues.Latest.Select(q =>
            new Measurement<long>(q.Consumers, new KeyValuePair<string, object?>("queue", q.Queue))),
            "{consumer}", "Consumers of a queue (sampled every few seconds).");
    }

    private static Measurement<long> Measure(int value, string batchId, string state) =>
        new(value, new KeyValuePair<string, object?>("batch.id", batchId), new KeyValuePair<string, object?>("state", state));

    public void Published(int jobs) => _published.Add(jobs);

    public void Requeued(int jobs) => _requeued.Add(jobs);

    public void Lost(int jobs) => _lost.Add(jobs);

    public void Republished(int jobs) => _republished.Add(jobs);

    public void Parked(string queue) => _parked.Add(1, new KeyValuePair<string, object?>("queue", queue));

    public void OutcomeRecorded(JobStatus status) => _outcomes.Add(1, StatusTags[status]);

    // Built once: this runs for every report the producer receives.
    private static readonly FrozenDictionary<JobStatus, KeyValuePair<string, object?>> StatusTags =
        Enum.GetValues<JobStatus>().ToFrozenDictionary(
            status => status, status => new KeyValuePair<string, object?>("status", status.ToString().ToLowerInvariant()));
}
