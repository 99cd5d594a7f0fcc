using System.Diagnostics.Metrics;
using ImageJobs.Rendering;

namespace ImageJobs.Worker.Telemetry;

/// <summary>
/// The worker's instruments. Created through <see cref="IMeterFactory"/> so tests can collect them
/// per host; the meter name starts with "ImageJobs." so ServiceDefaults exports it, and the
/// OTLP resource (service.instance.id) tells replicas apart on the dashboard.
/// </summary>
public sealed class WorkerMetrics
{
    public const string MeterName = "ImageJobs.Worker";

    /// <summary>
    /// Buckets for durations in seconds, from 5 ms to a minute: the exporter's defaults
    /// (0, 5, 10, 25 ...) suit milliseconds and would put every job in the first bucket.
    /// </summary>
    private static readonly InstrumentAdvice<double> SecondsBuckets = new()
    {
        HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 10, 30, 60],
    };

    public const string StageDownload = "download";
    public const string StageRender = "render";
    public const string StageUpload = "upload";

    private readonly Counter<long> _completed;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _retries;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _stageDuration;
    private readonly Counter<long> _bytesIn;
    private readonly Counter<long> _bytesOut;
    private readonly UpDownCounter<long> _inFlight;

    public WorkerMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _completed = meter.CreateCounter<long>("imagejobs.jobs.completed", "{job}", "Jobs whose result was uploaded and reported.");
        _failed = meter.CreateCounter<long>("imagejobs.jobs.failed", "{job}", "Jobs dead-lettered, by error code.");
        _retries = meter.CreateCounter<long>("imagejobs.jobs.retries", "{job}", "Transient failures sent to a retry queue, by error code.");
        _duration = meter.CreateHistogram("imagejobs.job.duration", "s", "Time from taking a job to settling it, by outcome.", tags: null, SecondsBuckets);
        _stageDuration = meter.CreateHistogram("imagejobs.job.stage.duration", "s", "Time of one stage of a job: download, render or upload.", tags: null, SecondsBuckets);
        _bytesIn = meter.CreateCounter<long>("imagejobs.bytes.in", "By", "Source bytes downloaded.");
        _bytesOut = meter.CreateCounter<long>("imagejobs.bytes.out", "By", "Result bytes uploaded.");
        _inFlight = meter.CreateUpDownCounter<long>("imagejobs.jobs.in_flight", "{job}", "Jobs being processed now.");
    }

    public void JobStarted() => _inFlight.Add(1);

    public void JobEnded() => _inFlight.Add(-1);

    public void Completed(TimeSpan duration)
    {
        _completed.Add(1);
        _duration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("outcome", "succeeded"));
    }

    public void Failed(string errorCode, TimeSpan duration)
    {
        _failed.Add(1, new KeyValuePair<string, object?>("error.code", errorCode));
        _duration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("outcome", "failed"));
    }

    public void Retried(string errorCode, TimeSpan duration)
    {
        _retries.Add(1, new KeyValuePair<string, object?>("error.code", errorCode));
        _duration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("outcome", "retried"));
    }

    /// <summary>The render stage, tagged with the path it took (full or blocks: the result's blob metadata says the same).</summary>
    public void Rendered(RenderPath path, TimeSpan duration) =>
        _stageDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("stage", StageRender), new KeyValuePair<string, object?>("render.path", PathName(path)));

    public static string PathName(RenderPath path) => path == RenderPath.Blocks ? "blocks" : "full";

    public void Stage(string stage, TimeSpan duration) =>
        _stageDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("stage", stage));

    public void BytesIn(long bytes) => _bytesIn.Add(bytes);

    public void BytesOut(long bytes) => _bytesOut.Add(bytes);
}
