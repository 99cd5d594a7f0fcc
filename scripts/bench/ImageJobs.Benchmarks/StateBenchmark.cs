using System.Diagnostics;
using System.Globalization;
using Azure.Data.Tables;
using ImageJobs.AppHost.Infrastructure;
using ImageJobs.Contracts;
using ImageJobs.Producer.Batches;
using Microsoft.Extensions.Options;

namespace ImageJobs.Benchmarks;

/// <summary>
/// The producers' shared batch state against a real Azurite table service, started as local mode
/// starts it: two producers (two stores, each its own client and counts row) record the reports
/// of a JOBS-job batch (a start and a success per job, split between them as the broker's round
/// robin would, in the consumer's groups of 250), against the bare table service inserting as
/// many rows in 100-row transactions from two writers; then the status read of that batch
/// against a scan of its rows (the per-poll cost a store without counts would pay).
/// </summary>
public static class StateBenchmark
{
    private const int Group = 250;

    public static async Task<int> RunAsync(string[] args)
    {
        var jobs = args.Length > 0 && int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 40_000;
        var rounds = 3;
        var port = LoopbackPorts.Next();
        var data = Directory.CreateTempSubdirectory("imagejobs-state-bench");
        var command = Azurite.Command(AzuriteService.Table.Program);
        using var azurite = Process.Start(new ProcessStartInfo(command[0], [.. command[1..], .. AzuriteService.Table.Args("127.0.0.1", port, data.FullName)])
        { RedirectStandardOutput = true, RedirectStandardError = true })!;
        try
        {
            var connectionString = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Azurite.AccountKey};TableEndpoint=http://127.0.0.1:{port}/devstoreaccount1;";
            await WaitForAsync(connectionString);
            Console.WriteLine($"state: {jobs:N0} jobs, 2 producers, {rounds} rounds each (ABAB), Azurite tables on disk");
            var (store, bare) = (new List<double>(), new List<double>());
            var reads = default(((double Median, double P95) Status, (double Median, double P95) Scan));
            var service = new TableServiceClient(connectionString);
            for (var round = 0; round < rounds; round++)
            {
                // Each round's table is deleted after it, so every round starts from the same (empty) service.
                store.Add(await StoreRoundAsync(connectionString, $"s{round}", jobs));
                if (round == 0)
                {
                    reads = await ReadsAsync(connectionString, "s0", jobs);
                }

                await service.DeleteTableAsync($"benchs{round}");
                bare.Add(await BareRoundAsync(connectionString, $"b{round}", jobs));
                await service.DeleteTableAsync($"bareb{round}");
                Console.WriteLine($"  round {round + 1}: store {store[^1]:N0} reports/s, bare inserts {bare[^1]:N0} rows/s");
            }

            var (storeMedian, bareMedian) = (Median(store), Median(bare));
            Console.WriteLine($"outcomes stored, two producers: {storeMedian:N0} reports/s ({storeMedian / 2:N0} jobs/s: a start and an end each); "
                + $"bare table inserts, two writers: {bareMedian:N0} rows/s; ratio {storeMedian / bareMedian:F2}");

            var (status, scan) = reads;
            Console.WriteLine($"status read of the {jobs:N0}-job batch: median {status.Median:F1} ms, p95 {status.P95:F1} ms; "
                + $"scan of its {jobs:N0} job rows: median {scan.Median:F0} ms; ratio {scan.Median / status.Median:F0}x");
            return 0;
        }
        finally
        {
            azurite.Kill(entireProcessTree: true);
            await azurite.WaitForExitAsync();
            data.Delete(recursive: true);
        }
    }

    private static async Task<double> StoreRoundAsync(string connectionString, string tableSuffix, int jobs)
    {
        var options = Options.Create(new BatchStateOptions { Table = "bench" + tableSuffix });
        var producers = Enumerable.Range(0, 2).Select(_ => new BatchStore(new TableServiceClient(connectionString), options, TimeProvider.System)).ToList();
        await producers[0].CreateAsync(CancellationToken.None);
        var batchId = "bench-" + tableSuffix;
        await producers[0].SaveAsync(new BatchDefinition(batchId, DateTimeOffset.UtcNow, jobs, Published: true, null), CancellationToken.None);
        var trackers = producers.Select(store => new BatchTracker(store, TimeProvider.System)).ToList();

        // The order a batch's reports come in with three workers: each job starts, and ends three starts later.
        var reports = new List<JobOutcome>(2 * jobs);
        for (var i = 0; i < jobs + 3; i++)
        {
            if (i < jobs)
            {
                reports.Add(Report(batchId, i, JobStatus.Started));
            }

            if (i >= 3)
            {
                reports.Add(Report(batchId, i - 3, JobStatus.Succeeded));
            }
        }

        var watch = Stopwatch.StartNew();
        await Task.WhenAll(trackers.Select((tracker, p) => Task.Run(async () =>
        {
            var mine = reports.Where((_, k) => k % 2 == p).ToList();
            foreach (var group in mine.Chunk(Group))
            {
                if ((await tracker.RecordAsync(group, CancellationToken.None)).Count > 0)
                {
                    throw new InvalidOperationException("a report was refused");
                }
            }
        })));
        var elapsed = watch.Elapsed;

        var status = (await trackers[1].GetAsync(batchId, CancellationToken.None))!;
        if ((status.Succeeded, status.Failed, status.InFlight, status.Retrying) != (jobs, 0, 0, 0))
        {
            throw new InvalidOperationException($"counts are wrong: {status}");
        }

        return reports.Count / elapsed.TotalSeconds;
    }

    private static async Task<double> BareRoundAsync(string connectionString, string tableSuffix, int jobs)
    {
        var rows = 2 * jobs;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 2).Select(writer => Task.Run(async () =>
        {
            var table = new TableServiceClient(connectionString).GetTableClient("bare" + tableSuffix);
            await table.CreateIfNotExistsAsync();
            var payload = System.Text.Json.JsonSerializer.Serialize(Report("bare", 0, JobStatus.Succeeded), JobJson.Default.JobOutcome);
            for (var start = writer * (rows / 2); start < (writer + 1) * (rows / 2); start += 100)
            {
                var actions = Enumerable.Range(start, Math.Min(100, ((writer + 1) * (rows / 2)) - start))
                    .Select(i => new TableTransactionAction(TableTransactionActionType.Add,
                        new TableEntity("bare", i.ToString("D7", CultureInfo.InvariantCulture)) { ["Outcome"] = payload }))
                    .ToList();
                await table.SubmitTransactionAsync(actions);
            }
        })));
        return rows / watch.Elapsed.TotalSeconds;
    }

    private static async Task<((double Median, double P95) Status, (double Median, double P95) Scan)> ReadsAsync(string connectionString, string tableSuffix, int jobs)
    {
        var store = new BatchStore(new TableServiceClient(connectionString), Options.Create(new BatchStateOptions { Table = "bench" + tableSuffix }), TimeProvider.System);
        var tracker = new BatchTracker(store, TimeProvider.System);
        var batchId = "bench-" + tableSuffix;
        var (status, scan) = (new List<double>(), new List<double>());
        for (var i = 0; i < 55; i++)
        {
            var watch = Stopwatch.StartNew();
            _ = await tracker.GetAsync(batchId, CancellationToken.None);
            if (i >= 5)
            {
                status.Add(watch.Elapsed.TotalMilliseconds);
            }

            // Interleaved, so load from elsewhere falls on both.
            if (i % 10 == 0)
            {
                watch.Restart();
                var rows = (await store.ReadJobsAsync(batchId, CancellationToken.None)).Count;
                scan.Add(watch.Elapsed.TotalMilliseconds);
                if (rows != jobs)
                {
                    throw new InvalidOperationException($"the scan read {rows} rows, not {jobs}");
                }
            }
        }

        return (Percentiles(status), Percentiles(scan));
    }

    private static JobOutcome Report(string batchId, int index, JobStatus status) => new(JobOutcome.CurrentSchemaVersion, JobPlanner.JobId(batchId, index),
        batchId, status, status == JobStatus.Succeeded ? $"{batchId}/{index}-photo.jpg" : null, status == JobStatus.Succeeded ? 250_000 : null,
        null, null, 1, false, "worker-1", DateTimeOffset.UtcNow);

    private static (double Median, double P95) Percentiles(List<double> values)
    {
        var sorted = values.Order().ToList();
        return (sorted[sorted.Count / 2], sorted[(int)Math.Ceiling(0.95 * sorted.Count) - 1]);
    }

    private static double Median(List<double> values) => Medians.Of(values) ?? throw new InvalidOperationException("No values to take the median of.");

    private static async Task WaitForAsync(string connectionString)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await new TableServiceClient(connectionString).GetPropertiesAsync();
                return;
            }
            catch (Exception) when (attempt < 60)
            {
                await Task.Delay(500);
            }
        }
    }
}
