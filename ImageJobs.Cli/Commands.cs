using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using ImageJobs.Client;
using Spectre.Console;

namespace ImageJobs.Cli;

/// <summary>What each command does, through the typed client; each returns an exit code (<see cref="ExitCodes"/>).</summary>
public sealed class Commands(IAnsiConsole console, ImageJobsClient client)
{
    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp"];

    // Files per upload request: well under the producer's Uploads:MaxFiles, and a request that fails costs little to send again.
    private const int FilesPerUpload = 100;

    private static readonly TimeSpan PollEvery = TimeSpan.FromSeconds(1);

    public Task<int> SubmitAsync(DirectoryInfo folder, FileInfo manifest, string? prefix, bool wait, FileInfo? output, string? idempotencyKey,
        CancellationToken cancellationToken, string? template = null) => GuardAsync(async () =>
    {
        prefix ??= folder.Name + "/";
        var files = folder.EnumerateFiles("*", SearchOption.AllDirectories)
            .Where(f => ImageExtensions.Contains(f.Extension, StringComparer.OrdinalIgnoreCase))
            .Select(f => (f.FullName, Name: Path.GetRelativePath(folder.FullName, f.FullName).Replace('\\', '/')))
            .OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            console.MarkupLineInterpolated($"[red]No image in {folder.FullName}.[/]");
            return ExitCodes.Invalid;
        }

        // The producer stores an upload's files by file name under the prefix: each subfolder goes under its own.
        foreach (var chunk in files.GroupBy(f => Path.GetDirectoryName(f.Name)?.Replace('\\', '/') ?? "").SelectMany(folder => folder.Chunk(FilesPerUpload)))
        {
            var under = prefix + (Path.GetDirectoryName(chunk[0].Name) is { Length: > 0 } subfolder ? subfolder.Replace('\\', '/') + "/" : "");
            var uploaded = await client.UploadAsync(under, [.. chunk.Select(f => (f.FullName, Path.GetFileName(f.Name)))], cancellationToken);
            if (uploaded.Rejected.Count > 0)
            {
                foreach (var rejected in uploaded.Rejected)
                {
                    console.MarkupLineInterpolated($"[red]{rejected.Name}: {rejected.Reason}[/]");
                }

                return ExitCodes.Invalid;
            }
        }

        console.MarkupLineInterpolated($"Uploaded {files.Count} images under [bold]{prefix}[/].");
        var submitted = await client.SubmitManifestAsync(manifest.FullName, idempotencyKey ?? KeyFor(prefix, manifest, files, template), cancellationToken, template);
        console.MarkupLineInterpolated($"Batch [bold]{submitted.BatchId}[/]: {submitted.Total} jobs.");
        if (!wait)
        {
            return ExitCodes.Succeeded;
        }

        var ended = await FollowAsync(submitted.BatchId, cancellationToken);
        var zip = output ?? new FileInfo($"{submitted.BatchId}.zip");
        await using (var file = File.Create(zip.FullName))
        {
            await client.DownloadResultsAsync(submitted.BatchId, file, cancellationToken);
        }

        console.MarkupLineInterpolated($"Results: {zip.FullName}");
        return await SummaryAsync(ended, cancellationToken);
    });

    public Task<int> StatusAsync(string batchId, bool wait, CancellationToken cancellationToken) => GuardAsync(async () =>
    {
        var batch = wait ? await FollowAsync(batchId, cancellationToken) : await client.GetBatchAsync(batchId, cancellationToken);
        if (batch.State is { } state and not "running" and not "completed")
        {
            console.MarkupLineInterpolated($"Batch [bold]{batchId}[/]: {state}.");
        }

        console.Write(StatusTable(batch));
        if (batch.Damage is { } damage)
        {
            console.MarkupLineInterpolated($"[red]damaged: {damage}[/]");
        }

        return batch.Done ? await SummaryAsync(batch, cancellationToken) : ExitCodes.NotDone;
    });

    public Task<int> FailuresAsync(string batchId, CancellationToken cancellationToken) => GuardAsync(async () =>
    {
        var failures = await client.GetFailuresAsync(batchId, cancellationToken);
        if (failures.Count > 0)
        {
            var table = new Table().AddColumns("job", "code", "error");
            foreach (var failure in failures)
            {
                table.AddRow(Cells(failure.JobId, failure.ErrorCode ?? "", failure.Error ?? ""));
            }

            console.Write(table);
        }

        console.MarkupLineInterpolated($"{failures.Count} failed jobs.");
        return failures.Count > 0 ? ExitCodes.JobsFailed : ExitCodes.Succeeded;
    });

    public Task<int> RequeueAsync(string batchId, string[]? jobIds, bool wait, CancellationToken cancellationToken) => GuardAsync(async () =>
    {
        var requeued = await client.RequeueAsync(batchId, jobIds is { Length: > 0 } ? jobIds : null, cancellationToken);
        console.MarkupLineInterpolated($"Requeued {requeued.Requeued} jobs of batch {batchId}.");
        return wait ? await SummaryAsync(await FollowAsync(batchId, cancellationToken), cancellationToken) : ExitCodes.Succeeded;
    });

    /// <summary>
    /// Pauses, resumes or cancels the batch and shows its status after; 0 when it is in the asked
    /// state, 2 when the producer refuses the move (its code printed: batch.cancelled, batch.finished) or knows no such batch.
    /// </summary>
    public Task<int> ControlAsync(string batchId, string action, bool wait, CancellationToken cancellationToken) => GuardAsync(async () =>
    {
        var batch = await client.ControlAsync(batchId, action, cancellationToken);
        console.MarkupLineInterpolated($"Batch [bold]{batchId}[/]: {batch.State ?? "?"}.");
        console.Write(StatusTable(batch));
        return wait ? await SummaryAsync(await FollowAsync(batchId, cancellationToken), cancellationToken) : ExitCodes.Succeeded;
    });

    public Task<int> TemplatesAsync(CancellationToken cancellationToken) => GuardAsync(async () =>
    {
        var templates = await client.ListTemplatesAsync(cancellationToken);
        if (templates.Count > 0)
        {
            var table = new Table().AddColumns("template", "version", "saved");
            foreach (var template in templates)
            {
                table.AddRow(Cells(template.Name, template.Version, template.SavedAt.ToString("u", CultureInfo.InvariantCulture)));
            }

            console.Write(table);
        }

        console.MarkupLineInterpolated($"{templates.Count} templates.");
        return ExitCodes.Succeeded;
    });

    /// <summary>A live progress bar, with throughput and ETA as the producer measures them, until every job has ended.</summary>
    private async Task<BatchProgressView> FollowAsync(string batchId, CancellationToken cancellationToken)
    {
        var batch = await client.GetBatchAsync(batchId, cancellationToken);
        await console.Progress().AutoClear(false).HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask(Describe(batch), maxValue: Math.Max(1, batch.Total));
                while (true)
                {
                    task.Value = batch.Succeeded + batch.Failed + batch.Cancelled;
                    task.Description = Describe(batch);
                    if (batch.Done)
                    {
                        break;
                    }

                    await Task.Delay(PollEvery, cancellationToken);
                    batch = await client.GetBatchAsync(batchId, cancellationToken);
                }
            });
        return batch;
    }

    /// <summary>The counts; cancelled and held only when there are some (a terminal is narrow).</summary>
    private static Table StatusTable(BatchProgressView batch)
    {
        var columns = new List<(string Name, object Value)>
        {
            ("total", batch.Total), ("succeeded", batch.Succeeded), ("failed", batch.Failed), ("pending", batch.Pending),
            ("retrying", batch.Retrying), ("in flight", batch.InFlight),
            ("images/s", batch.PerSecond.ToString("0.#", CultureInfo.InvariantCulture)), ("ETA", Eta(batch)),
        };
        if (batch.Cancelled > 0)
        {
            columns.Insert(3, ("cancelled", batch.Cancelled));
        }

        if (batch.Held > 0)
        {
            columns.Insert(columns.FindIndex(c => c.Name == "pending") + 1, ("held", batch.Held));
        }

        var table = new Table().AddColumns([.. columns.Select(c => c.Name)]);
        table.AddRow(Cells([.. columns.Select(c => c.Value)]));
        return table;
    }

    private async Task<int> SummaryAsync(BatchProgressView batch, CancellationToken cancellationToken)
    {
        console.MarkupLineInterpolated($"{batch.Succeeded} of {batch.Total} succeeded, {batch.Failed} failed{(batch.Cancelled > 0 ? $", {batch.Cancelled} cancelled" : "")}.");
        if (batch.Failed > 0)
        {
            foreach (var failure in (await client.GetFailuresAsync(batch.BatchId, cancellationToken)).Take(10))
            {
                console.MarkupLineInterpolated($"  [red]{failure.JobId}[/] {failure.ErrorCode}: {failure.Error}");
            }

            console.MarkupLineInterpolated($"All failures: imagejobs failures {batch.BatchId}");
        }

        return ExitCodes.For(batch.Done, batch.Failed, batch.Cancelled);
    }

    /// <summary>The same prefix, manifest and files give the same key, so running the same command again names the same batch.</summary>
    public static string KeyFor(string prefix, FileInfo manifest, IEnumerable<(string Path, string Name)> files, string? template = null)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(prefix + "\n"));
        if (template is not null)
        {
            hash.AppendData(Encoding.UTF8.GetBytes("template:" + template + "\n"));
        }

        hash.AppendData(File.ReadAllBytes(manifest.FullName));
        foreach (var (path, name) in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(FormattableString.Invariant($"\n{name}:{new FileInfo(path).Length}")));
        }

        return "cli-" + Convert.ToHexStringLower(hash.GetHashAndReset())[..40];
    }

    private static string Describe(BatchProgressView batch) =>
        Markup.Escape(FormattableString.Invariant($"{batch.BatchId}  {batch.Succeeded} ok · {batch.Failed} failed{(batch.Cancelled > 0 ? $" · {batch.Cancelled} cancelled" : "")}{(batch.Held > 0 ? $" · {batch.Held} held" : "")} · {batch.PerSecond:0.#}/s · ETA {Eta(batch)}"));

    private static string Eta(BatchProgressView batch) =>
        batch.Done ? "done" : batch.EtaSeconds is { } eta ? TimeSpan.FromSeconds(Math.Round(eta)).ToString("c", CultureInfo.InvariantCulture) : "-";

    private static Spectre.Console.Rendering.IRenderable[] Cells(params object[] values) =>
        [.. values.Select(v => new Text(Convert.ToString(v, CultureInfo.InvariantCulture) ?? ""))];

    /// <summary>The producer's refusals and absence as messages and exit codes, not stack traces.</summary>
    private async Task<int> GuardAsync(Func<Task<int>> command)
    {
        try
        {
            return await command();
        }
        catch (ImageJobsApiException ex)
        {
            console.MarkupLineInterpolated($"[red]{ex.Message}[/]");
            if (ex.Code is { } code)
            {
                console.MarkupLineInterpolated($"  code: [red]{code}[/]");
            }

            foreach (var (field, messages) in ex.Errors)
            {
                console.MarkupLineInterpolated($"  [red]{field}[/]: {string.Join(" ", messages)}");
            }

            return ex.IsInvalidRequest ? ExitCodes.Invalid : ExitCodes.Unavailable;
        }
        catch (HttpRequestException ex) when (ex.InnerException is SocketException or null or IOException)
        {
            console.MarkupLineInterpolated($"[red]Cannot reach the producer: {ex.Message}[/]");
            return ExitCodes.Unavailable;
        }
    }
}
