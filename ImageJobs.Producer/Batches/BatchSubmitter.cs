using System.Diagnostics;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ImageJobs.Contracts;
using ImageJobs.Messaging;
using ImageJobs.Producer.Startup;
using ImageJobs.Producer.Telemetry;
using ImageJobs.Producer.Templates;
using ImageJobs.Producer.Webhooks;
using ImageJobs.Storage;
using Microsoft.Extensions.Options;

namespace ImageJobs.Producer.Batches;

/// <summary>A submission that cannot be accepted, with errors keyed by field.</summary>
public sealed class BatchRejectedException(IDictionary<string, string[]> errors)
    : Exception("The batch request is invalid.")
{
    public IDictionary<string, string[]> Errors { get; } = errors;
}

/// <summary>The idempotency key was used before for a different request.</summary>
public sealed class BatchConflictException(string batchId)
    : Exception($"The idempotency key was already used for batch {batchId} with a different request.");

/// <summary>
/// Turns a request into jobs and publishes them. The batch is recorded before the first
/// publish, and answered only once the broker has confirmed every job; publishing, once begun,
/// runs to its end whether or not the client waits (<see cref="PublishingRuns"/>). With an idempotency key
/// the batch id comes from the key: a repeated submission of an accepted batch publishes
/// nothing; one that arrives while a replica publishes the batch waits for it; and one of a batch
/// whose publisher died mid-publish publishes it again (same job ids, so workers and counts absorb
/// the duplicates).
/// </summary>
public sealed partial class BatchSubmitter(
    BlobServiceClient blobs,
    BatchTracker tracker,
    BatchStore store,
    JobDefinitions definitions,
    BatchTemplates templates,
    InfrastructureInitializer infrastructure,
    ConfirmedPublisher publisher,
    PublishingRuns runs,
    PublisherLease lease,
    TemplatedBatches templated,
    TimeProvider time,
    IOptions<StorageOptions> storage,
    IOptions<BatchLimits> limits,
    WebhookStore webhooks,
    IOptions<WebhookOptions> webhookOptions,
    ProducerMetrics metrics,
    ILogger<BatchSubmitter> logger)
{
    private static readonly ActivitySource ActivitySource = new("ImageJobs.Producer");

    public async Task<BatchAccepted> SubmitAsync(SubmitBatchRequest request, string? idempotencyKey, CancellationToken cancellationToken)
    {
        // The parent of every publish of this batch, and so of every worker's "process job" span.
        using var activity = ActivitySource.StartActivity("submit batch");
        var errors = BatchRequestValidator.Validate(request, limits.Value);
        if (idempotencyKey is not null && !JobPlanner.IsValidIdempotencyKey(idempotencyKey))
        {
            errors["idempotencyKey"] = ["The Idempotency-Key header must be 1 to 200 printable ASCII characters."];
        }

        WebhookRequestValidator.Validate(request.Webhook, webhookOptions.Value, errors);

        if (errors.Count > 0)
        {
            throw new BatchRejectedException(errors);
        }

        // Requests that arrive while the containers and queues are still being created wait for them.
        await infrastructure.Ready.WaitAsync(cancellationToken);
        // A layered batch's template, read once: the version found is the one every job carries.
        var plan = await templated.PrepareAsync(request, cancellationToken);
        // Hashing a 40,000-item request costs a second serialization: only a keyed submission needs it.
        // The version resolved is part of it: a repeat after the template changed is another request.
        var requestHash = idempotencyKey is null ? null : JobPlanner.RequestHash(plan?.Version is { } version ? request with { TemplateVersion = version } : request);
        var now = time.GetUtcNow();
        var batchId = idempotencyKey is null ? JobPlanner.NewBatchId(now) : JobPlanner.BatchIdForKey(idempotencyKey);
        var earlier = idempotencyKey is null ? null : await store.LoadAsync(batchId, cancellationToken);
        if (earlier is not null)
        {
            if (earlier.RequestHash != requestHash)
            {
                throw new BatchConflictException(batchId);
            }

            if (earlier.Published)
            {
                return new BatchAccepted(batchId, earlier.Total, $"/api/batches/{batchId}");
            }

            now = earlier.CreatedAt;
        }

        using var scope = logger.BeginScope(new Dictionary<string, object> { ["BatchId"] = batchId });
        var items = request.Items ?? await ExpandPrefixAsync(request, plan, cancellationToken);
        activity?.SetTag("imagejobs.batch_id", batchId);
        activity?.SetTag("imagejobs.jobs", items.Count);

        var jobs = plan is null
            ? JobPlanner.Plan(batchId, items, request.Style, now)
            : await templated.PlanAsync(plan, batchId, items, now, request.Items is null ? i => $"prefix ({items[i].Source})" : i => $"items[{i}]", cancellationToken);
        // Stored before the first job is published: every report of the batch finds it.
        if (WebhookRequestValidator.SubscriptionFor(request.Webhook, webhookOptions.Value) is { } subscription)
        {
            await webhooks.SaveSubscriptionAsync(batchId, subscription, cancellationToken);
        }

        // The template the jobs fill, stored before the first is published: every worker finds it.
        if (plan is not null)
        {
            await templates.SaveAsync(batchId, plan.Contract, cancellationToken);
        }

        var (batch, ours) = await RecordAsync(new BatchDefinition(batchId, now, jobs.Count, Published: false, requestHash),
            keyed: idempotencyKey is not null, storedBefore: earlier is not null, cancellationToken);
        if (!ours)
        {
            return new BatchAccepted(batchId, batch.Total, $"/api/batches/{batchId}", plan?.Name, plan?.Version);
        }

        // Accepted: from here publishing completes even if the client goes away.
        await runs.RunAsync(batchId, async stoppingToken =>
        {
            var stopwatch = Stopwatch.StartNew();
            using var definition = new JobDefinitionWriter();
            using var marking = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var marks = idempotencyKey is null ? Task.CompletedTask : lease.MarkWhilePublishingAsync(batchId, marking.Token);
            try
            {
                try
                {
                    await publisher.PublishAsync(JobTopology.JobsQueue, jobs, job =>
                    {
                        var message = JobDefinitions.Message(job);
                        definition.Add(message.Span);
                        return new OutgoingMessage(job.JobId, message);
                    }, stoppingToken);
                }
                finally
                {
                    // Whole even when publishing is cut short: what the broker never had is republished from it.
                    definition.AddFrom(jobs);
                    await SaveDefinitionAsync(batchId, definition, stoppingToken);
                }

                metrics.Published(jobs.Count);
                await tracker.StartAsync(batch with { Published = true }, stoppingToken);
            }
            finally
            {
                await marking.CancelAsync();
                await marks;
            }

            LogPublished(logger, batchId, jobs.Count, stopwatch.ElapsedMilliseconds);
        }).WaitAsync(cancellationToken);

        return new BatchAccepted(batchId, jobs.Count, $"/api/batches/{batchId}", plan?.Name, plan?.Version);
    }

    /// <summary>
    /// Stores the batch and says whether this replica publishes it. A keyed batch that another replica
    /// stored (or that was stored before and never marked published) is that replica's to publish: this
    /// one waits for it and publishes only if it falls silent (<see cref="PublisherLease"/>).
    /// </summary>
    /// <returns>The batch as stored, and whether to publish it here (false: it was published meanwhile).</returns>
    private async Task<(BatchDefinition Batch, bool Ours)> RecordAsync(BatchDefinition batch, bool keyed, bool storedBefore, CancellationToken cancellationToken)
    {
        if (!keyed)
        {
            await tracker.StartAsync(batch, cancellationToken);
            return (batch, true);
        }

        if (!storedBefore && await store.AddAsync(batch, cancellationToken))
        {
            tracker.Follow(batch);
            return (batch, true);
        }

        var stored = await store.LoadAsync(batch.BatchId, cancellationToken);
        if (stored is not null && stored.RequestHash != batch.RequestHash)
        {
            throw new BatchConflictException(batch.BatchId);
        }

        if (!await lease.AwaitTurnAsync(batch.BatchId, cancellationToken))
        {
            // Published meanwhile: its total is the one read above (a batch's total never changes).
            return (stored ?? batch, false);
        }

        // Its record is stored already, and writing it again would clear the mark just taken.
        var taken = batch with { CreatedAt = stored?.CreatedAt ?? batch.CreatedAt };
        tracker.Follow(taken);
        return (taken, true);
    }

    /// <summary>
    /// Keeps the jobs for a republish should the broker lose them. A batch whose definition cannot
    /// be stored still runs; only its lost jobs then end as lost instead of being published again.
    /// </summary>
    private async Task SaveDefinitionAsync(string batchId, JobDefinitionWriter definition, CancellationToken cancellationToken)
    {
        try
        {
            await definitions.SaveAsync(batchId, definition, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogDefinitionNotStored(logger, ex, batchId);
        }
        catch (OperationCanceledException)
        {
            // Publishing is cut short as well; the caller sees that.
        }
    }

    /// <summary>
    /// Every blob under the request's prefix as an item: with the text template filled in, or for a
    /// layered template its metadata as <c>meta:key</c> values and each mapped placeholder's field (<see cref="PrefixMapping"/>).
    /// </summary>
    /// <exception cref="BatchRejectedException">Too many blobs, a blob name that cannot be a source, a text template that expands too long,
    /// a mapping of a placeholder the template lacks, or no blob at all.</exception>
    public async Task<IReadOnlyList<BatchItem>> ExpandPrefixAsync(SubmitBatchRequest request, TemplatePlan? plan, CancellationToken cancellationToken)
    {
        var (prefix, template) = (request.Prefix ?? string.Empty, request.Template);
        var mapping = plan is null ? null : PrefixMapping.For(plan, request.Mapping);
        var container = blobs.GetBlobContainerClient(storage.Value.SourcesContainer);
        var items = new List<BatchItem>();
        var traits = mapping?.UsesMetadata ?? JobPlanner.UsesMetadata(template!) ? BlobTraits.Metadata : BlobTraits.None;
        await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix, Traits = traits }, cancellationToken))
        {
            if (items.Count == limits.Value.MaxJobsPerBatch)
            {
                throw new BatchRejectedException(new Dictionary<string, string[]>
                {
                    ["prefix"] = [$"More than {limits.Value.MaxJobsPerBatch:N0} blobs under '{prefix}'."],
                });
            }

            // Names from a listing are checked as a request's are: the jobs carry them to the workers.
            if (BlobNames.Problem(blob.Name) is { } problem)
            {
                throw new BatchRejectedException(new Dictionary<string, string[]>
                {
                    ["prefix"] = [$"The blob '{blob.Name}' under '{prefix}' cannot be a source: {problem}."],
                });
            }

            if (mapping is not null)
            {
                items.Add(new BatchItem(blob.Name, null, null, mapping.Values(blob.Name, items.Count, blob.Metadata)));
                continue;
            }

            var text = JobPlanner.ApplyTemplate(template!, blob.Name, items.Count, blob.Metadata, limits.Value.MaxTextLength)
                ?? throw new BatchRejectedException(new Dictionary<string, string[]>
                {
                    ["template"] = [$"For '{blob.Name}' (image {items.Count + 1:N0} under the prefix) the template expands to more than {limits.Value.MaxTextLength:N0} characters."],
                });
            items.Add(new BatchItem(blob.Name, text));
        }

        if (items.Count == 0)
        {
            throw new BatchRejectedException(new Dictionary<string, string[]>
            {
                ["prefix"] = [$"No blob in container '{storage.Value.SourcesContainer}' starts with '{prefix}'."],
            });
        }

        return items;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Batch {BatchId}: {Count} jobs published and confirmed in {ElapsedMs} ms")]
    private static partial void LogPublished(ILogger logger, string batchId, int count, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch {BatchId}: its definition could not be stored; jobs the broker loses will end as job.lost instead of being published again")]
    private static partial void LogDefinitionNotStored(ILogger logger, Exception exception, string batchId);
}
