using System.ComponentModel.DataAnnotations;
using Azure.Storage.Blobs;
using ImageJobs.Contracts;
using ImageJobs.Producer.Batches;
using ImageJobs.Producer.Webhooks;
using ImageJobs.Storage;
using Microsoft.Extensions.Options;

namespace ImageJobs.Producer.Control;

/// <summary>How often every replica looks for held jobs to release or cancel, bound from <c>Control</c>.</summary>
public sealed class ControlSweepOptions
{
    public const string SectionName = "Control";

    /// <summary>
    /// A worker that read a pause just before the resume holds jobs for a few seconds more (its
    /// cache, the workers' <c>Control:CacheFor</c>); this sweep releases them.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "00:10:00", ErrorMessage = "Control:CheckEvery must be between 0.1 s and 10 min.")]
    public TimeSpan CheckEvery { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>What a control request did: the batch's status after it, or why it was refused.</summary>
public sealed record ControlOutcome(BatchStatus Status, string? RefusalCode = null, string? Refusal = null);

/// <summary>
/// Cancels, pauses and resumes batches. The control is stored on the batch's row of the shared
/// table (the truth every replica reads), then copied for the workers into the controls container
/// (which they read through a cache of a few seconds); every request, a repeat too, writes the copy
/// and raises the event again under the same key, so a request cut short is completed by its retry.
/// </summary>
public sealed partial class BatchController(
    BatchTracker tracker,
    BatchStore store,
    HeldJobs held,
    WebhookEvents webhooks,
    BlobServiceClient blobs,
    IOptions<StorageOptions> storage,
    TimeProvider time,
    ILogger<BatchController> logger)
{
    private const int MaxAttempts = 10;

    /// <summary>Moves the batch to <paramref name="requested"/>; null when there is no such batch.</summary>
    public async Task<ControlOutcome?> ChangeAsync(string batchId, BatchControlState requested, CancellationToken cancellationToken)
    {
        if (await tracker.DefinitionAsync(batchId, cancellationToken) is not { } batch)
        {
            return null;
        }

        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var stored = await store.ReadControlAsync(batchId, cancellationToken);
            var counts = (await store.ReadCountsAsync(batchId, cancellationToken)).Counts;
            var move = BatchControlRules.Move(stored.Control.State, counts.Ended >= batch.Total, requested);
            if (move.IsRefused)
            {
                return new ControlOutcome((await tracker.GetAsync(batchId, cancellationToken))!, move.RefusalCode, move.Refusal);
            }

            var control = stored.Control;
            if (move.To is { } to)
            {
                control = new BatchControl(BatchControl.CurrentSchemaVersion, batchId, to, time.GetUtcNow());
                if (!await store.TryWriteControlAsync(control, stored.ETag, cancellationToken))
                {
                    continue; // another replica changed it first: decide again from what it stored
                }

                LogChanged(logger, batchId, stored.Control.State, to);
            }

            if (move.To is not null || stored.ETag is not null)
            {
                await blobs.GetBlobContainerClient(storage.Value.ControlsContainer).WriteControlAsync(control, cancellationToken);
                // The counts the change was decided on: read again now, a resumed batch's held jobs may
                // already be released by a sweep that saw the new control first.
                await webhooks.ControlledAsync(batch, control, counts, cancellationToken);
            }

            await held.SettleAsync(batch, control.State, cancellationToken);
            return new ControlOutcome((await tracker.GetAsync(batchId, cancellationToken))!);
        }

        throw new InvalidOperationException($"Batch {batchId}: its control kept changing under {MaxAttempts} attempts to change it.");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Batch {BatchId}: {From} -> {To}")]
    private static partial void LogChanged(ILogger logger, string batchId, BatchControlState from, BatchControlState to);
}

/// <summary>
/// Every replica, every <see cref="ControlSweepOptions.CheckEvery"/>: the held jobs of each resumed
/// batch are released and those of each cancelled batch cancelled (held jobs that came in after the
/// request, from workers whose cache still said paused).
/// </summary>
public sealed partial class ControlSweeper(BatchStore store, BatchTracker tracker, HeldJobs held, TimeProvider time,
    IOptions<ControlSweepOptions> options, ILogger<ControlSweeper> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicSweep.RunAsync(options.Value.CheckEvery, time, SweepAsync, ex => LogSweepFailed(logger, ex), stoppingToken);

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        foreach (var control in await store.ListControlsAsync(cancellationToken))
        {
            if (control.State != BatchControlState.Paused && await DefinitionAsync(control.BatchId, cancellationToken) is { } batch)
            {
                await held.SettleAsync(batch, control.State, cancellationToken);
            }
        }
    }

    private async Task<BatchDefinition?> DefinitionAsync(string batchId, CancellationToken cancellationToken)
    {
        try
        {
            return await tracker.DefinitionAsync(batchId, cancellationToken);
        }
        catch (DamagedBatchException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Settling held jobs failed; trying again at the next check")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
