using System.Diagnostics;
using System.Globalization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ImageJobs.Contracts;
using ImageJobs.Contracts.Templates;
using ImageJobs.Rendering;
using ImageJobs.Rendering.Templates;
using ImageJobs.Storage;
using ImageJobs.Worker.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ImageJobs.Worker.Processing;

/// <summary>The result of one job: where it went and how large it is.</summary>
public sealed record JobResult(string ResultBlob, long Bytes);

/// <summary>Which delivery of a job this is, and who handles it: recorded on the result.</summary>
public sealed record DeliveryInfo(int Attempt, bool Redelivered, string Worker);

/// <summary>
/// Does one job: download the source, render, upload the result. The upload overwrites, and
/// rendering is deterministic, so doing a job twice leaves one identical result.
/// </summary>
public sealed partial class JobProcessor(
    BlobServiceClient blobs,
    ImageRenderer renderer,
    BatchTemplateCache batchTemplates,
    IOptions<StorageOptions> storage,
    IOptions<RenderLimits> limits,
    FontFiles fontFiles,
    WorkerMetrics metrics,
    TimeProvider time,
    ILogger<JobProcessor> logger)
{
    public static readonly ActivitySource ActivitySource = new("ImageJobs.Worker");

    public async Task<JobResult> ProcessAsync(RenderJob job, DeliveryInfo delivery, CancellationToken cancellationToken)
    {
        // Before any I/O, the batch's template included: a job naming another batch's folder reads nothing.
        CheckLocations(job);
        var wireTemplate = await WireTemplateAsync(job, cancellationToken);
        CheckPictures(wireTemplate);
        var stage = time.GetTimestamp();
        var source = await DownloadAsync(job.SourceBlob, cancellationToken);
        metrics.Stage(WorkerMetrics.StageDownload, time.GetElapsedTime(stage));
        metrics.BytesIn(source.Length);

        // A layered job's template is checked before its pictures are fetched: a bad one costs no I/O.
        var template = wireTemplate?.ToTemplate();
        if (template is not null)
        {
            renderer.Check(template);
        }

        var pictures = template is null ? null : await DownloadPicturesAsync(template, cancellationToken);
        using var fonts = wireTemplate?.Fonts is { Count: > 0 } faces ? await LoadFontsAsync(faces, cancellationToken) : null;
        RenderedImage rendered;
        stage = time.GetTimestamp();
        using (ActivitySource.StartActivity("render"))
        {
            // A version-1 job is a template of one text layer (ImageRenderer.Render with a caption).
            rendered = template is null
                ? renderer.Render(source, job.Text!, job.Style?.ToTextStyle(), cancellationToken)
                : renderer.Render(source, template, pictures, fonts, cancellationToken);
        }

        metrics.Rendered(rendered.Path, time.GetElapsedTime(stage));
        if (rendered.FullPathReason is { } reason)
        {
            LogFullPath(logger, job.JobId, job.BatchId, reason);
        }

        // The planned name carries the source's extension; the result's says its own format.
        var resultBlob = rendered.Format.NameFor(job.ResultBlob);
        stage = time.GetTimestamp();
        using (ActivitySource.StartActivity("upload"))
        {
            var result = blobs.GetBlobContainerClient(storage.Value.ResultsContainer).GetBlobClient(resultBlob);
            await result.UploadAsync(BinaryData.FromBytes(rendered.Data), new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = rendered.ContentType },
                Metadata = new Dictionary<string, string>
                {
                    ["jobid"] = job.JobId,
                    ["batchid"] = job.BatchId,
                    ["source"] = Uri.EscapeDataString(job.SourceBlob),
                    ["worker"] = delivery.Worker,
                    ["attempt"] = delivery.Attempt.ToString(CultureInfo.InvariantCulture),
                    ["redelivered"] = delivery.Redelivered ? "true" : "false",
                    ["renderpath"] = WorkerMetrics.PathName(rendered.Path),
                },
            }, cancellationToken);
        }

        metrics.Stage(WorkerMetrics.StageUpload, time.GetElapsedTime(stage));
        metrics.BytesOut(rendered.Data.Length);
        return new JobResult(resultBlob, rendered.Data.Length);
    }

    /// <summary>
    /// Locations in a message are not trusted: anyone who can publish to the broker could name
    /// another container's blob ("../batches/...") or another batch's results. A source must be a
    /// plain name in the sources container; a result a plain name under its own batch's folder.
    /// </summary>
    /// <exception cref="JobFailedException">One is not.</exception>
    public static void CheckLocations(RenderJob job)
    {
        if (BlobNames.Problem(job.SourceBlob) is { } problem)
        {
            throw new JobFailedException(ErrorCodes.InvalidSourceName, $"The job's source blob name is refused: {problem}.");
        }

        if (!BlobNames.IsUnder(job.ResultBlob, job.BatchId))
        {
            throw new JobFailedException(ErrorCodes.InvalidResultName,
                "The job's result blob name is refused: it must be a plain name under its batch's folder ('{batchId}/...').");
        }
    }

    /// <summary>Every picture a template names must be a plain name in the sources container, as a source must (<see cref="CheckLocations"/>).</summary>
    /// <exception cref="JobFailedException">One is not.</exception>
    public static void CheckPictures(JobTemplate? template)
    {
        for (var i = 0; i < (template?.Layers?.Count ?? 0); i++)
        {
            if (template!.Layers[i]?.ImageName is { } picture && BlobNames.Problem(picture) is { } pictureProblem)
            {
                throw new JobFailedException(ErrorCodes.InvalidSourceName,
                    string.Create(CultureInfo.InvariantCulture, $"The picture template.layers[{i}].imageName is refused: {pictureProblem}."));
            }
        }
    }

    /// <summary>A layered job's template with its row's values: carried whole (version 2), or its batch's with the job's fills (version 3); null for a caption.</summary>
    private async Task<JobTemplate?> WireTemplateAsync(RenderJob job, CancellationToken cancellationToken)
    {
        if (job.Fills is not { } fills)
        {
            return job.Template;
        }

        using var activity = ActivitySource.StartActivity("batch template");
        var template = await batchTemplates.GetAsync(job.BatchId, cancellationToken);
        JobMessageReader.CheckResize(job, template);
        return template.Fill(fills);
    }

    private async Task<ReadOnlyMemory<byte>> DownloadAsync(string name, CancellationToken cancellationToken)
    {
        using var activity = ActivitySource.StartActivity("download");
        var blob = blobs.GetBlobContainerClient(storage.Value.SourcesContainer).GetBlobClient(name);
        try
        {
            return await blob.DownloadSourceAsync(limits.Value.MaxSourceBytes, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new JobFailedException(ErrorCodes.SourceNotFound, $"The source blob '{name}' does not exist.", ex);
        }
    }

    /// <summary>The uploaded faces the job names (bytes cached across jobs; typefaces made for this job only).</summary>
    private async Task<UploadedFonts> LoadFontsAsync(IReadOnlyList<Contracts.Templates.JobFont> faces, CancellationToken cancellationToken)
    {
        using var activity = ActivitySource.StartActivity("download fonts");
        return UploadedFonts.Load(await fontFiles.FetchAsync(faces, limits.Value.MaxFontBytes, cancellationToken));
    }

    /// <summary>The pictures the template's visible image layers name, from the sources container; together at most one source's byte limit.</summary>
    private async Task<Dictionary<string, ReadOnlyMemory<byte>>> DownloadPicturesAsync(Template template, CancellationToken cancellationToken)
    {
        var names = template.PictureNames();
        using var activity = names.Count > 0 ? ActivitySource.StartActivity("download pictures") : null;
        return await blobs.GetBlobContainerClient(storage.Value.SourcesContainer).DownloadPicturesAsync(names, limits.Value.MaxSourceBytes, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Job {JobId} of batch {BatchId} took the full path: {Reason}")]
    private static partial void LogFullPath(ILogger logger, string jobId, string batchId, string reason);
}
