using System.Text.Json;
using ImageJobs.Contracts;
using ImageJobs.Messaging;
using ImageJobs.Rendering.Templates;
using ImageJobs.Storage;
using Microsoft.Extensions.Options;

namespace ImageJobs.Tests.Support;

/// <summary>What a producer test needs to look at a batch's jobs without a worker: sources to name, and the jobs taken off the queue.</summary>
public static class QueuedJobs
{
    /// <summary>One-byte blobs under the names: a producer looks sources up, it does not decode them.</summary>
    public static async Task UploadPlaceholdersAsync(LocalInfrastructure infrastructure, string containerSuffix, params string[] names)
    {
        var sources = infrastructure.Blobs().GetBlobContainerClient($"sources-{containerSuffix}");
        await sources.CreateIfNotExistsAsync();
        foreach (var name in names)
        {
            await sources.UploadBlobAsync(name, BinaryData.FromBytes([1]));
        }
    }

    /// <summary>Exactly <paramref name="count"/> jobs off the work queue (acknowledged), in job order.</summary>
    public static async Task<List<RenderJob>> TakeAsync(LocalInfrastructure infrastructure, int count)
    {
        await using var connection = await infrastructure.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var jobs = new List<RenderJob>();
        while (jobs.Count < count && await channel.BasicGetAsync(JobTopology.JobsQueue, autoAck: true) is { } message)
        {
            jobs.Add(JsonSerializer.Deserialize(message.Body.Span, JobJson.Default.RenderJob)!);
        }

        Assert.Equal(count, jobs.Count);
        return [.. jobs.OrderBy(j => j.Index)];
    }

    /// <summary>
    /// As <see cref="TakeAsync"/>, each layered job with the template it draws: a version-3 job's
    /// batch template (from the batches container) with the job's fills put in.
    /// </summary>
    public static async Task<List<RenderJob>> TakeDrawnAsync(LocalInfrastructure infrastructure, string containerSuffix, int count)
    {
        var templates = new BatchTemplates(infrastructure.Blobs(), Options.Create(new StorageOptions { BatchesContainer = $"batches-{containerSuffix}" }));
        var drawn = new List<RenderJob>();
        foreach (var job in await TakeAsync(infrastructure, count))
        {
            drawn.Add(job.Fills is { } fills ? job with { Template = (await templates.ReadAsync(job.BatchId, CancellationToken.None)).Fill(fills) } : job);
        }

        return drawn;
    }
}
