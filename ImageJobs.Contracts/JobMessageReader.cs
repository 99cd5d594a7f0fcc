using System.Text.Json;
using ImageJobs.Contracts.Templates;

namespace ImageJobs.Contracts;

/// <summary>Turns a delivery's body into a <see cref="RenderJob"/>, or says precisely why not.</summary>
public static class JobMessageReader
{
    /// <summary>Ids found in a message that failed to parse, so its failure can still be attributed.</summary>
    public readonly record struct JobIds(string? JobId, string? BatchId);

    public static RenderJob Read(ReadOnlySpan<byte> body)
    {
        RenderJob? job;
        try
        {
            job = JsonSerializer.Deserialize(body, JobJson.Default.RenderJob);
        }
        catch (JsonException ex)
        {
            throw new JobFailedException(ErrorCodes.MalformedMessage, $"The job message is not valid JSON for a job: {ex.Message}", ex);
        }

        if (job is null)
        {
            throw new JobFailedException(ErrorCodes.MalformedMessage, "The job message is empty (null).");
        }

        if (job.SchemaVersion is < RenderJob.CaptionSchemaVersion or > RenderJob.CurrentSchemaVersion)
        {
            throw new JobFailedException(ErrorCodes.UnsupportedSchema,
                $"Job schema version {job.SchemaVersion} is not supported (this worker reads versions {RenderJob.CaptionSchemaVersion} to {RenderJob.CurrentSchemaVersion}).");
        }

        var missing = new List<string>();
        if (string.IsNullOrWhiteSpace(job.JobId)) missing.Add("jobId");
        if (string.IsNullOrWhiteSpace(job.BatchId)) missing.Add("batchId");
        if (string.IsNullOrWhiteSpace(job.SourceBlob)) missing.Add("sourceBlob");
        if (string.IsNullOrWhiteSpace(job.ResultBlob)) missing.Add("resultBlob");
        // Version 2 holds a template or, like version 1, a caption (never both); version 1 only a
        // caption; versions 3 and 4 only the values its row fills into its batch's template.
        var fillsBatchTemplate = RenderJob.FillsBatchTemplate(job.SchemaVersion);
        if (job.SchemaVersion == RenderJob.CaptionSchemaVersion && job.Text is null) missing.Add("text");
        if (job.SchemaVersion == RenderJob.TemplateSchemaVersion && job.Text is null && job.Template?.Layers is null) missing.Add("text or template.layers");
        if (fillsBatchTemplate && job.Fills is null) missing.Add("fills");
        if (job.SchemaVersion == RenderJob.TemplateSchemaVersion && job.Text is not null && job.Template is not null)
        {
            throw new JobFailedException(ErrorCodes.MalformedMessage, "The job message holds both a text and a template; a job draws one or the other.");
        }

        if (job.SchemaVersion == RenderJob.CaptionSchemaVersion && job.Template is not null)
        {
            throw new JobFailedException(ErrorCodes.MalformedMessage, "A version 1 job message cannot hold a template.");
        }

        if (fillsBatchTemplate && (job.Text is not null || job.Style is not null || job.Template is not null))
        {
            throw new JobFailedException(ErrorCodes.MalformedMessage,
                $"A version {job.SchemaVersion} job message holds only the values it fills into its batch's template: no text, style or template.");
        }

        if (!fillsBatchTemplate && job.Fills is not null)
        {
            throw new JobFailedException(ErrorCodes.MalformedMessage, $"A version {job.SchemaVersion} job message cannot hold fills.");
        }

        CheckResize(job, job.Template);

        for (var i = 0; i < (job.Fills?.Count ?? 0); i++)
        {
            if (job.Fills![i]?.Value is null) missing.Add($"fills[{i}].value");
        }

        if (job.Template?.Layers is { } layers)
        {
            for (var i = 0; i < layers.Count; i++)
            {
                if (layers[i] is null || string.IsNullOrEmpty(layers[i].Kind)) missing.Add($"template.layers[{i}].kind");
            }
        }

        if (missing.Count > 0)
        {
            throw new JobFailedException(ErrorCodes.MalformedMessage, $"The job message lacks required fields: {string.Join(", ", missing)}.");
        }

        return job;
    }

    /// <summary>
    /// Only a version-4 job resizes its result: the same job read by a worker of before would draw
    /// it full size, so a resize in a job of another version (its style's or template's output, or
    /// its batch's stored <paramref name="template"/>) is a message no producer writes.
    /// </summary>
    /// <exception cref="JobFailedException"><see cref="ErrorCodes.MalformedMessage"/>: a resize in a job of another version.</exception>
    public static void CheckResize(RenderJob job, JobTemplate? template)
    {
        if (job.SchemaVersion != RenderJob.ResizeSchemaVersion && (job.Style?.Output?.Resize ?? template?.Output?.Resize) is not null)
        {
            throw new JobFailedException(ErrorCodes.MalformedMessage,
                $"A version {job.SchemaVersion} job cannot resize its result (output.resize): only version {RenderJob.ResizeSchemaVersion} jobs do.");
        }
    }

    /// <summary>Best effort: the ids of a message that <see cref="Read"/> refused.</summary>
    public static JobIds TryReadIds(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? new JobIds(StringProperty(document.RootElement, "jobId"), StringProperty(document.RootElement, "batchId"))
                : default;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string or name that is no text (a lone surrogate escape),
            // found only when read. A message from the broker may hold anything.
            return default;
        }
    }

    private static string? StringProperty(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
