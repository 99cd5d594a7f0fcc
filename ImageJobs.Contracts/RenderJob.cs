using ImageJobs.Contracts.Styles;
using ImageJobs.Contracts.Templates;

namespace ImageJobs.Contracts;

/// <summary>
/// One image to draw on: the message the producer publishes and a worker consumes.
/// Versioned: a worker refuses a <see cref="SchemaVersion"/> it does not know instead of guessing.
/// Version 1 carries one caption (<see cref="Text"/> and <see cref="Style"/>); version 2 a resolved
/// <see cref="Template"/> of layers instead; version 3 the values its row <see cref="Fills"/> into its
/// batch's template, stored once (ImageJobs.Contracts/README.md says why).
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

    /// <summary>The newest version this build writes and reads (it reads every version from 1).</summary>
    public const int CurrentSchemaVersion = BatchTemplateSchemaVersion;

    /// <summary>Version 2: the layers to draw, placeholders filled.</summary>
    public JobTemplate? Template { get; init; }

    /// <summary>Version 3: the values this job's row puts into its batch's template, layer by layer (empty when the template has no placeholder).</summary>
    public IReadOnlyList<JobFill>? Fills { get; init; }
}
