using ImageJobs.Contracts;
using ImageJobs.Producer.Batches;
using ImageJobs.Storage;
using ImageJobs.Tests.Support;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ImageJobs.Tests.Integration;

/// <summary>The tracker against a real Azurite, on a clock the test moves.</summary>
[Trait("Category", "Integration")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class BatchTrackerTests(LocalInfrastructure infrastructure) : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly string _batchId = "tracked-" + Guid.NewGuid().ToString("N")[..8];
    private BatchStore _store = null!;

    public async Task InitializeAsync()
    {
        var options = Options.Create(new StorageOptions { BatchesContainer = "batches-" + _batchId });
        await infrastructure.Blobs().GetBlobContainerClient(options.Value.BatchesContainer).CreateIfNotExistsAsync();
        _store = new BatchStore(infrastructure.Blobs(), options);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_finished_batch_is_kept_as_its_status_and_read_back_from_its_log_when_more_is_needed()
    {
        using var tracker = await StartAsync(total: 3);
        await tracker.RecordAsync([Ended(0, JobStatus.Succeeded), Ended(1, JobStatus.Succeeded), Ended(2, JobStatus.Failed)], CancellationToken.None);
        Assert.Equal((2, 1, true), Counts((await tracker.GetAsync(_batchId, CancellationToken.None))!));

        // Written to its log behind the tracker's back: what is kept in memory does not see it, a read-back does.
        await _store.AppendOutcomesAsync(_batchId, [Ended(2, JobStatus.Requeued)], CancellationToken.None);
        var status = (await tracker.GetAsync(_batchId, CancellationToken.None))!;
        Assert.Equal((2, 1, true), Counts(status));
        Assert.Equal(JobId(2), Assert.Single(status.Failures).JobId);
        Assert.Empty(Assert.Single(await tracker.ListAsync(CancellationToken.None), b => b.BatchId == _batchId).Failures);
        Assert.Empty((await tracker.GetFailuresAsync(_batchId, CancellationToken.None))!);
        Assert.Equal((2, 0, false), Counts((await tracker.GetAsync(_batchId, CancellationToken.None))!));
    }

    [Fact]
    public async Task A_finished_batch_counts_a_late_duplicate_once_reopens_on_a_requeue_and_survives_a_restart()
    {
        using var tracker = await StartAsync(total: 3);
        await tracker.RecordAsync([Ended(0, JobStatus.Succeeded), Ended(1, JobStatus.Succeeded), Ended(2, JobStatus.Failed)], CancellationToken.None);
        Assert.True((await tracker.GetAsync(_batchId, CancellationToken.None))!.Done);

        await tracker.CountAsync([Ended(0, JobStatus.Started)], CancellationToken.None);
        await tracker.RecordAsync([Ended(1, JobStatus.Succeeded)], CancellationToken.None);
        Assert.Equal(JobId(2), Assert.Single((await tracker.GetFailuresAsync(_batchId, CancellationToken.None))!).JobId);
        Assert.Equal((2, 1, true), Counts((await tracker.GetAsync(_batchId, CancellationToken.None))!));

        using (var restarted = new BatchTracker(_store, _time))
        {
            Assert.Equal((2, 1, true), Counts(Assert.Single(await restarted.ListAsync(CancellationToken.None), b => b.BatchId == _batchId)));
        }

        await tracker.RecordAsync([Ended(2, JobStatus.Requeued)], CancellationToken.None);
        Assert.Equal((2, 0, false), Counts((await tracker.GetAsync(_batchId, CancellationToken.None))!));
        Assert.Equal(1, Assert.Single(tracker.ActiveBatches(), b => b.BatchId == _batchId).Queued);
    }

    [Fact]
    public async Task The_last_ends_of_a_batch_counted_before_they_are_stored_are_not_lost_to_a_read_or_a_report_that_follows()
    {
        using var tracker = await StartAsync(total: 2);
        await tracker.RecordAsync([Ended(0, JobStatus.Succeeded)], CancellationToken.None);

        // The consumer counts on arrival and stores a moment later (much later, if the store is in
        // trouble): done in memory only; read meanwhile, and a duplicate comes before the store.
        await tracker.CountAsync([Ended(1, JobStatus.Succeeded)], CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty((await tracker.GetFailuresAsync(_batchId, CancellationToken.None))!);
        await tracker.CountAsync([Ended(0, JobStatus.Succeeded)], CancellationToken.None);
        Assert.Equal((2, 0, true), Counts((await tracker.GetAsync(_batchId, CancellationToken.None))!));

        // Stored: from now on it may be read back from its log, whole.
        await tracker.StoreAsync([Ended(1, JobStatus.Succeeded)], CancellationToken.None);
        Assert.Empty((await tracker.GetFailuresAsync(_batchId, CancellationToken.None))!);
        await tracker.RecordAsync([Ended(1, JobStatus.Succeeded)], CancellationToken.None);
        Assert.Equal((2, 0, true), Counts((await tracker.GetAsync(_batchId, CancellationToken.None))!));
    }

    private async Task<BatchTracker> StartAsync(int total)
    {
        var tracker = new BatchTracker(_store, _time);
        await tracker.StartAsync(new BatchDefinition(_batchId, _time.GetUtcNow(), total, Published: true, RequestHash: null), resumed: false, CancellationToken.None);
        return tracker;
    }

    private string JobId(int index) => JobPlanner.JobId(_batchId, index);

    private JobOutcome Ended(int index, JobStatus status) => new(JobOutcome.CurrentSchemaVersion, JobId(index), _batchId, status,
        status == JobStatus.Succeeded ? $"{_batchId}/{index}.jpg" : null, null, status == JobStatus.Failed ? "image.corrupt" : null, null, 1, false, "test", _time.GetUtcNow());

    private static (int Succeeded, int Failed, bool Done) Counts(BatchStatus status) => (status.Succeeded, status.Failed, status.Done);
}
