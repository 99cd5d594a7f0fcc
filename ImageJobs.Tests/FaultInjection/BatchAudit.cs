using System.Globalization;
using System.Net.Http.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ImageJobs.Contracts;
using ImageJobs.Producer.Batches;
using Microsoft.Extensions.Options;

namespace ImageJobs.Tests.FaultInjection;

/// <summary>
/// What became of every job of a batch, in the fields RabbitMQ's Jepsen test reports:
/// lost (submitted, but neither succeeded nor dead-lettered), duplicated (an end reported again for
/// a job already ended so: counted once, but done twice), unexpected (results or failures nobody asked for),
/// dead-lettered, redelivered, republished (lost jobs the producers published again from the batch's
/// definition), and the longest stall between two completions.
/// </summary>
public sealed record BatchAudit(
    string Scenario,
    int Submitted,
    int Succeeded,
    int DeadLettered,
    int Lost,
    int Duplicated,
    int Unexpected,
    int Redelivered,
    int Republished,
    TimeSpan LongestStall,
    TimeSpan Elapsed,
    IReadOnlyDictionary<string, string?> FailureCodes)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Scenario,-34} submitted {Submitted,4}  succeeded {Succeeded,4}  dead-lettered {DeadLettered,3}  lost {Lost}  duplicated {Duplicated,3}  unexpected {Unexpected}  redelivered {Redelivered,3}  republished {Republished,3}  longest stall {LongestStall.TotalSeconds,5:F1} s  elapsed {Elapsed.TotalSeconds,5:F1} s");

    public static async Task<BatchAudit> TakeAsync(string scenario, RunningSystem system, BatchAccepted batch, TimeSpan elapsed)
    {
        var expected = Enumerable.Range(0, batch.Total).Select(i => JobPlanner.JobId(batch.BatchId, i)).ToHashSet(StringComparer.Ordinal);

        var results = new Dictionary<string, IDictionary<string, string>>(StringComparer.Ordinal);
        await foreach (var item in system.Blobs.GetBlobContainerClient("results")
            .GetBlobsAsync(new GetBlobsOptions { Prefix = batch.BatchId + "/", Traits = BlobTraits.Metadata }))
        {
            results[item.Metadata["jobid"]] = item.Metadata;
        }

        // Every page of them.
        var failures = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (string? token = null, first = "start"; first is not null || token is not null; first = null)
        {
            using var response = await system.Http.GetAsync($"/api/batches/{batch.BatchId}/failures" + (token is null ? string.Empty : $"?continuation={token}"));
            response.EnsureSuccessStatusCode();
            foreach (var failure in (await response.Content.ReadFromJsonAsync<List<JobFailure>>())!)
            {
                failures[failure.JobId] = failure.ErrorCode;
            }

            token = response.Headers.TryGetValues("Continuation-Token", out var next) ? next.Single() : null;
        }

        var store = new BatchStore(system.Tables, Options.Create(new BatchStateOptions()), TimeProvider.System);
        var duplicated = (await store.ReadCountsAsync(batch.BatchId, CancellationToken.None)).RepeatedEnds;
        var times = (await store.ReadJobsAsync(batch.BatchId, CancellationToken.None))
            .Where(o => o.Status == JobStatus.Succeeded).Select(o => o.CompletedAt).Order().ToList();
        var longestStall = times.Zip(times.Skip(1), (a, b) => b - a).DefaultIfEmpty(TimeSpan.Zero).Max();

        return new BatchAudit(
            scenario,
            batch.Total,
            results.Keys.Count(expected.Contains),
            failures.Keys.Count(expected.Contains),
            expected.Count(id => !results.ContainsKey(id) && !failures.ContainsKey(id)),
            duplicated,
            results.Keys.Concat(failures.Keys).Count(id => !expected.Contains(id)),
            results.Values.Count(m => m["redelivered"] == "true" || m["attempt"] != "1"),
            (await store.ReadJobRowsAsync(batch.BatchId, CancellationToken.None)).Values.Sum(job => job.Republished),
            longestStall,
            elapsed,
            failures);
    }

}
