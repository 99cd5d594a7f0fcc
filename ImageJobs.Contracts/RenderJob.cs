using ImageJobs.Contracts.Styles;
using ImageJobs.Contracts.Templates;

namespace ImageJobs.Contracts;

/// <summary>
/// One image to draw on: the message the producer publishes and a worker consumes.
/// Versioned: a worker refuses a <see cref="SchemaVersion"/> it does not know instead of guessing.
/// Version 1 carries one caption (<see cref="Text"/> and <see cref="Style"/>); version 2 a resolved
/// <see cref="Template"/> of layers instead; version 3 the values its row <see cref="Fills"/> into its
/// batch's template, stored once (ImageJobs.Contracts/README.md says why); version 4 is version 3
/// whose batch's template resizes the result (<c>output.resize</c>), which a reader of version 3 would ignore.
/// </summary>
public sealed record RenderJob(
    int SchemaVersion,
    string JobId,
    string BatchId,
    int Index,
    string SourceBlob,
    string? Text,
    string ResultBlob,
    JobStyle? Style,
    DateTimeOffset CreatedAt)
{
    /// <summary>A caption job. Still written as version 1, so workers from before templates read it during an upgrade.</summary>
    public const int CaptionSchemaVersion = 1;

    /// <summary>A layered job: <see cref="Template"/> set, no text or style (a version-2 job with a text and no template is read as a caption).</summary>
    public const int TemplateSchemaVersion = 2;

    /// <summary>A layered job of a batch whose template is stored once: <see cref="Fills"/> set, no text, style or template.</summary>
    public const int BatchTemplateSchemaVersion = 3;

    /// <summary>As version 3, and its batch's template resizes the result: a worker that reads only up to 3 would draw it full size, so it refuses this.</summary>
    public const int ResizeSchemaVersion = 4;

    /// <summary>The newest version this build writes and reads (it reads every version from 1).</summary>
    public const int CurrentSchemaVersion = ResizeSchemaVersion;

    /// <summary>Whether a job of this version carries only its row's <see cref="Fills"/> for its batch's stored template.</summary>
    public static bool FillsBatchTemplate(int schemaVersion) => schemaVersion is BatchTemplateSchemaVersion or ResizeSchemaVersion;

    /// <summary>Version 2: the layers to draw, placeholders filled.</summary>
    public JobTemplate? Template { get; init; }

    /// <summary>Version 3: the values this job's row puts into its batch's template, layer by layer (empty when the template has no placeholder).</summary>
    public IReadOnlyList<JobFill>? Fills { get; init; }
}
