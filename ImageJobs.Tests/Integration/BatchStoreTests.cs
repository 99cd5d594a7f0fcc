using Azure.Data.Tables;
using ImageJobs.Contracts;
using ImageJobs.Contracts.Templates;
using ImageJobs.Producer.Batches;
using ImageJobs.Producer.Webhooks;
using ImageJobs.Storage;
using ImageJobs.Tests.Support;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ImageJobs.Tests.Integration;

/// <summary>
/// The batch state every producer replica shares, against a real Azurite table service: two
/// trackers with stores of their own stand for two replicas, on a clock the test moves.
/// </summary>
[Trait("Category", "Integration")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class BatchStoreTests(LocalInfrastructure infrastructure) : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly string _batchId = "tracked-" + Guid.NewGuid().ToString("N")[..8];
    private IOptions<BatchStateOptions> _options = null!;

    public async Task InitializeAsync()
    {
        _options = Options.Create(new BatchStateOptions { Table = LocalInfrastructure.TableName(_batchId) });
        await NewStore().CreateAsync(CancellationToken.None);
    }

    public Task DisposeAsync() => infrastructure.Tables().DeleteTableAsync(_options.Value.Table);

    [Fact]
    public async Task Of_two_replicas_adding_the_same_batch_one_stores_it_and_the_other_finds_it()
    {
        var first = Definition(total: 3) with { Published = false, RequestHash = "hash" };
        var second = first with { CreatedAt = first.CreatedAt.AddSeconds(1), Total = 5 };
        var added = await Task.WhenAll(NewStore().AddAsync(first, CancellationToken.None), NewStore().AddAsync(second, CancellationToken.None));

        Assert.Equal(1, added.Count(stored => stored));
        Assert.Equal((added[0] ? first : second).Total, (await NewStore().LoadAsync(_batchId, CancellationToken.None))!.Total);
        Assert.Equal([_batchId], (await NewStore().ListIdsAsync(10, null, CancellationToken.None)).Items);
    }

    [Fact]
    public async Task Of_two_replicas_taking_over_a_silent_publish_one_does_and_a_mark_since_stops_both()
    {
        await NewStore().SaveAsync(Definition(total: 2) with { Published = false }, CancellationToken.None);
        var silent = (await NewStore().ReadPublishingAsync(_batchId, CancellationToken.None))!;
        Assert.Equal((false, Definition(total: 2).CreatedAt), (silent.Published, silent.MarkedAt));

        var taken = await Task.WhenAll(
            NewStore().TakeOverPublishingAsync(_batchId, silent.ETag, _time.GetUtcNow(), CancellationToken.None),
            NewStore().TakeOverPublishingAsync(_batchId, silent.ETag, _time.GetUtcNow(), CancellationToken.None));
        Assert.Equal(1, taken.Count(ours => ours));

        // Its publisher marks it (alive after all): a state read before that takes nothing over.
        var read = (await NewStore().ReadPublishingAsync(_batchId, CancellationToken.None))!;
        _time.Advance(TimeSpan.FromSeconds(3));
        await NewStore().MarkPublishingAsync(_batchId, _time.GetUtcNow(), CancellationToken.None);
        Assert.False(await NewStore().TakeOverPublishingAsync(_batchId, read.ETag, _time.GetUtcNow(), CancellationToken.None));
        Assert.Equal(_time.GetUtcNow(), (await NewStore().ReadPublishingAsync(_batchId, CancellationToken.None))!.MarkedAt);
    }

    [Fact]
    public async Task Reports_split_between_two_replicas_count_once_each_and_read_the_same_through_either()
    {
        var (a, b) = (new BatchTracker(NewStore(), _time), new BatchTracker(NewStore(), _time));
        await a.StartAsync(Definition(total: 4), CancellationToken.None);

        // Each job started at one replica and ended at the other; job 3's end comes twice (a redelivery) and once late to A.
        await a.RecordAsync([Report(0, JobStatus.Started), Report(1, JobStatus.Started), Report(2, JobStatus.Started)], CancellationToken.None);
        await b.RecordAsync([Report(0, JobStatus.Succeeded), Report(1, JobStatus.Failed), Report(3, JobStatus.Succeeded), Report(3, JobStatus.Succeeded)], CancellationToken.None);
        await a.RecordAsync([Report(3, JobStatus.Started), Report(3, JobStatus.Succeeded), Report(2, JobStatus.Retrying)], CancellationToken.None);

        foreach (var replica in new[] { a, b })
        {
            var status = (await replica.GetAsync(_batchId, CancellationToken.None))!;
            Assert.Equal((4, 2, 1, 1, 1, 0, false), (status.Total, status.Succeeded, status.Failed, status.Pending, status.Retrying, status.InFlight, status.Done));
            Assert.Equal(JobId(1), Assert.Single(status.Failures).JobId);
            Assert.Null(status.Damage);
        }

        Assert.Equal(2, (await NewStore().ReadCountsAsync(_batchId, CancellationToken.None)).RepeatedEnds);

        // A requeue at one replica, the new end at the other: the batch finishes, with no failure left.
        await a.RecordAsync([Report(1, JobStatus.Requeued)], CancellationToken.None);
        Assert.Equal(0, (await b.GetAsync(_batchId, CancellationToken.None))!.Failed);
        await b.RecordAsync([Report(1, JobStatus.Succeeded), Report(2, JobStatus.Succeeded)], CancellationToken.None);
        var done = (await a.GetAsync(_batchId, CancellationToken.None))!;
        Assert.Equal((4, 0, 0, 0, 0, true), (done.Succeeded, done.Failed, done.Pending, done.Retrying, done.InFlight, done.Done));
        Assert.Empty((await b.GetFailuresAsync(_batchId, 10, null, CancellationToken.None))!.Items);

        // A replica started afterwards (a restart, a deploy) reads the same, with nothing rebuilt.
        var restarted = new BatchTracker(NewStore(), _time);
        var listed = Assert.Single((await restarted.ListAsync(10, null, CancellationToken.None)).Items, s => s.BatchId == _batchId);
        Assert.Equal((4, true), (listed.Succeeded, listed.Done));
    }

    [Fact]
    public async Task The_same_reports_stored_by_two_replicas_at_once_count_once()
    {
        const int total = 300;
        var (a, b) = (new BatchTracker(NewStore(), _time), new BatchTracker(NewStore(), _time));
        await a.StartAsync(Definition(total), CancellationToken.None);
        var reports = Enumerable.Range(0, total).SelectMany(i => new[] { Report(i, JobStatus.Started), Report(i, i % 10 == 0 ? JobStatus.Failed : JobStatus.Succeeded) }).ToList();

        // Both race over every job, in groups, as two consumers after a redelivery storm would.
        await Task.WhenAll(
            Task.Run(async () => { foreach (var group in reports.Chunk(60)) { await a.RecordAsync(group, CancellationToken.None); } }),
            Task.Run(async () => { foreach (var group in reports.AsEnumerable().Reverse().Chunk(45)) { await b.RecordAsync(group.Reverse().ToList(), CancellationToken.None); } }));

        var status = (await a.GetAsync(_batchId, CancellationToken.None))!;
        Assert.Equal((270, 30, 0, 0, true), (status.Succeeded, status.Failed, status.InFlight, status.Retrying, status.Done));
        Assert.Equal(30, (await b.GetFailuresAsync(_batchId, 100, null, CancellationToken.None))!.Items.Count);
    }

    [Fact]
    public async Task Reports_the_batch_cannot_have_are_refused_with_why_and_store_nothing()
    {
        var tracker = new BatchTracker(NewStore(), _time);
        await tracker.StartAsync(Definition(total: 2), CancellationToken.None);

        var refused = await tracker.RecordAsync([Report(5, JobStatus.Succeeded), Report(0, JobStatus.Succeeded) with { BatchId = "no-such-batch", JobId = "no-such-batch-000000" }, Report(1, JobStatus.Succeeded)], CancellationToken.None);

        Assert.Equal(["batch " + _batchId + " has 2 jobs; " + JobId(5) + " is none of them", "no batch no-such-batch is stored"], refused.Select(r => r.Reason));
        Assert.Equal(1, (await tracker.GetAsync(_batchId, CancellationToken.None))!.Succeeded);
        Assert.Null(await tracker.GetAsync("../" + _batchId, CancellationToken.None));
    }

    [Fact]
    public async Task A_damaged_record_or_counts_row_damages_only_its_own_batch()
    {
        var tracker = new BatchTracker(NewStore(), _time);
        await tracker.StartAsync(Definition(total: 2), CancellationToken.None);
        var (record, counts) = (_batchId + "-record", _batchId + "-counts");
        await tracker.StartAsync(Definition(total: 2) with { BatchId = counts }, CancellationToken.None);
        await tracker.StartAsync(Definition(total: 2) with { BatchId = record }, CancellationToken.None);
        await tracker.RecordAsync([Report(0, JobStatus.Succeeded) with { BatchId = counts, JobId = JobPlanner.JobId(counts, 0) }], CancellationToken.None);

        // Written behind the producers' backs, as a bad hand edit would.
        var table = infrastructure.Tables().GetTableClient(_options.Value.Table);
        await table.UpsertEntityAsync(new TableEntity("batches", record) { ["CreatedAt"] = "yesterday", ["Total"] = 2 });
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == counts))
        {
            if (row.RowKey.StartsWith("c.", StringComparison.Ordinal))
            {
                row["Succeeded"] = "many";
                await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace);
            }
        }

        var fresh = new BatchTracker(NewStore(), _time);
        var list = (await fresh.ListAsync(10, null, CancellationToken.None)).Items;
        Assert.Null(Assert.Single(list, s => s.BatchId == _batchId).Damage);
        Assert.Contains("wrong type", Assert.Single(list, s => s.BatchId == record).Damage, StringComparison.Ordinal);
        Assert.Contains("counts row", Assert.Single(list, s => s.BatchId == counts).Damage, StringComparison.Ordinal);
        Assert.Contains("is damaged", Assert.Single(await fresh.RecordAsync([Report(0, JobStatus.Succeeded) with { BatchId = record, JobId = JobPlanner.JobId(record, 0) }], CancellationToken.None)).Reason, StringComparison.Ordinal);
        Assert.Empty(await fresh.RecordAsync([Report(1, JobStatus.Succeeded)], CancellationToken.None));
        Assert.Equal(1, (await fresh.GetAsync(_batchId, CancellationToken.None))!.Succeeded);
    }

    [Fact]
    public async Task A_replica_whose_rows_the_store_lost_stores_its_next_reports()
    {
        // A store that lost its last writes (Azurite's table service killed before it saved):
        // the rows are gone, this replica's own counts row with them, which it last wrote itself.
        var tracker = new BatchTracker(NewStore(), _time);
        await tracker.StartAsync(Definition(total: 3), CancellationToken.None);
        await tracker.RecordAsync([Report(0, JobStatus.Succeeded)], CancellationToken.None);
        var table = infrastructure.Tables().GetTableClient(_options.Value.Table);
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == _batchId))
        {
            await table.DeleteEntityAsync(row.PartitionKey, row.RowKey);
        }

        await tracker.RecordAsync([Report(0, JobStatus.Succeeded), Report(1, JobStatus.Succeeded)], CancellationToken.None);
        var status = (await new BatchTracker(NewStore(), _time).GetAsync(_batchId, CancellationToken.None))!;
        Assert.Equal((2, 0, 1), (status.Succeeded, status.Failed, status.Pending));
    }

    [Fact]
    public async Task A_batch_no_replica_heard_of_for_the_quiet_period_names_its_unended_jobs()
    {
        var quietFor = TimeSpan.FromMinutes(10);
        var tracker = new BatchTracker(NewStore(), _time);
        await tracker.StartAsync(Definition(total: 3), CancellationToken.None);
        await tracker.RecordAsync([Report(0, JobStatus.Succeeded), Report(1, JobStatus.Started)], CancellationToken.None);

        _time.Advance(TimeSpan.FromMinutes(9));
        Assert.DoesNotContain(await tracker.FindQuietAsync(quietFor, CancellationToken.None), q => q.BatchId == _batchId);
        Assert.Equal(new ActiveBatch(_batchId, 1, 0, 1, 0, 1), Assert.Single(tracker.ActiveBatches(), b => b.BatchId == _batchId));

        // Another replica hears of it: the quiet period starts again, for every replica.
        await new BatchTracker(NewStore(), _time).RecordAsync([Report(1, JobStatus.Retrying)], CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(9));
        Assert.DoesNotContain(await tracker.FindQuietAsync(quietFor, CancellationToken.None), q => q.BatchId == _batchId);

        _time.Advance(TimeSpan.FromMinutes(1));
        var quiet = Assert.Single(await tracker.FindQuietAsync(quietFor, CancellationToken.None), q => q.BatchId == _batchId);
        Assert.Equal([JobId(1), JobId(2)], quiet.UnendedJobIds);
    }

    [Fact]
    public async Task Lists_are_paged_newest_first_and_failures_in_job_order()
    {
        var tracker = new BatchTracker(NewStore(), _time);
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add($"{_batchId}-{i}");
            await tracker.StartAsync(Definition(total: 7) with { BatchId = ids[^1] }, CancellationToken.None);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await tracker.ListAsync(2, token, CancellationToken.None);
            Assert.InRange(page.Items.Count, 1, 2);
            seen.AddRange(page.Items.Select(s => s.BatchId));
            token = page.ContinuationToken;
            Assert.True(token is null || BatchStore.IsContinuationToken(token));
            pages++;
        }
        while (token is not null);
        Assert.Equal(3, pages);
        Assert.Equal(ids.AsEnumerable().Reverse(), seen);

        var failing = ids[0];
        await tracker.RecordAsync(Enumerable.Range(0, 7).Select(i => Report(i, JobStatus.Failed) with { BatchId = failing, JobId = JobPlanner.JobId(failing, i) }).ToList(), CancellationToken.None);
        var first = (await tracker.GetFailuresAsync(failing, 4, null, CancellationToken.None))!;
        Assert.Equal(Enumerable.Range(0, 4).Select(i => JobPlanner.JobId(failing, i)), first.Items.Select(f => f.JobId));
        Assert.Equal("000003", first.ContinuationToken);
        var rest = (await tracker.GetFailuresAsync(failing, 4, 3, CancellationToken.None))!;
        Assert.Equal(Enumerable.Range(4, 3).Select(i => JobPlanner.JobId(failing, i)), rest.Items.Select(f => f.JobId));
        Assert.Null(rest.ContinuationToken);
        Assert.False(BatchStore.IsContinuationToken("0000000000000000001.../x"));
    }

    [Fact]
    public async Task Batches_past_the_retention_are_deleted_rows_and_results_and_younger_ones_kept()
    {
        var store = NewStore();
        var tracker = new BatchTracker(store, _time);
        var (old, young) = (_batchId + "-old", _batchId + "-young");
        await tracker.StartAsync(Definition(total: 2) with { BatchId = old }, CancellationToken.None);
        await tracker.RecordAsync([Report(0, JobStatus.Succeeded) with { BatchId = old, JobId = JobPlanner.JobId(old, 0) },
            Report(1, JobStatus.Failed) with { BatchId = old, JobId = JobPlanner.JobId(old, 1) }], CancellationToken.None);
        _time.Advance(TimeSpan.FromDays(29));
        await tracker.StartAsync(Definition(total: 1) with { BatchId = young, CreatedAt = _time.GetUtcNow() }, CancellationToken.None);
        var results = infrastructure.Blobs().GetBlobContainerClient("results-" + _batchId);
        await results.CreateIfNotExistsAsync();
        await results.UploadBlobAsync($"{old}/0-a.jpg", BinaryData.FromBytes([1]));
        await results.UploadBlobAsync($"{young}/0-b.jpg", BinaryData.FromBytes([1]));
        var storage = Options.Create(new ImageJobs.Storage.StorageOptions { ResultsContainer = "results-" + _batchId, BatchesContainer = "batches-" + _batchId });
        await infrastructure.Blobs().GetBlobContainerClient(storage.Value.BatchesContainer).CreateIfNotExistsAsync();
        var definitions = new JobDefinitions(infrastructure.Blobs(), storage);
        foreach (var batchId in new[] { old, young })
        {
            await definitions.SaveAsync(batchId, [new RenderJob(1, JobPlanner.JobId(batchId, 0), batchId, 0, "a.jpg", "a", $"{batchId}/0-a.jpg", null, _time.GetUtcNow())], CancellationToken.None);
        }

        // Its webhook rows go with it; a batch whose id starts with the old one's keeps its own.
        var webhooks = new WebhookStore(infrastructure.Tables(), _options);
        await webhooks.SaveSubscriptionAsync(old, new WebhookSubscription("https://hooks.example.com/", null, false), CancellationToken.None);
        await webhooks.RaiseAsync(old, "completed.1.1", "batch.completed", "{}", _time.GetUtcNow(), CancellationToken.None);
        await webhooks.SaveSubscriptionAsync(old + "-x", new WebhookSubscription("https://hooks.example.com/", null, false), CancellationToken.None);
        _time.Advance(TimeSpan.FromDays(2));

        var templates = new BatchTemplates(infrastructure.Blobs(), storage);
        await templates.SaveAsync(old, new JobTemplate([new JobLayer("text", "caption", Text: "{name}")]), CancellationToken.None);
        var sweeper = new RetentionSweeper(store, definitions, templates, webhooks, infrastructure.Blobs(), _time, Options.Create(new RetentionOptions { BatchesFor = TimeSpan.FromDays(30) }),
            storage, Microsoft.Extensions.Logging.Abstractions.NullLogger<RetentionSweeper>.Instance);
        Assert.Equal(1, await sweeper.SweepAsync(CancellationToken.None));
        Assert.Equal([$"{young}/jobs.jsonl.gz"], await infrastructure.Blobs().GetBlobContainerClient(storage.Value.BatchesContainer).GetBlobsAsync().Select(b => b.Name).ToListAsync());

        Assert.Null(await store.LoadAsync(old, CancellationToken.None));
        Assert.Empty(await infrastructure.Tables().GetTableClient(_options.Value.Table).QueryAsync<TableEntity>(e => e.PartitionKey == old).ToListAsync());
        Assert.Equal([young], (await store.ListIdsAsync(10, null, CancellationToken.None)).Items);
        Assert.Equal([$"{young}/0-b.jpg"], await results.GetBlobsAsync().Select(b => b.Name).ToListAsync());
        Assert.Null(await webhooks.LoadSubscriptionAsync(old, CancellationToken.None));
        Assert.Empty(await webhooks.ListAsync(old, CancellationToken.None));
        Assert.NotNull(await webhooks.LoadSubscriptionAsync(old + "-x", CancellationToken.None));
        Assert.Equal(0, await sweeper.SweepAsync(CancellationToken.None));
    }

    private BatchStore NewStore() => new(infrastructure.Tables(), _options, _time);

    private BatchDefinition Definition(int total) => new(_batchId, _time.GetUtcNow(), total, Published: true, RequestHash: null);

    private string JobId(int index) => JobPlanner.JobId(_batchId, index);

    private JobOutcome Report(int index, JobStatus status) => new(JobOutcome.CurrentSchemaVersion, JobId(index), _batchId, status,
        status == JobStatus.Succeeded ? $"{_batchId}/{index}.jpg" : null, null, status == JobStatus.Failed ? "image.corrupt" : null, null, 1, false, "test", _time.GetUtcNow());
}
