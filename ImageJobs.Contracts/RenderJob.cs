using ImageJobs.Contracts.Styles;
using ImageJobs.Contracts.Templates;

namespace ImageJobs.Contracts;

/// <summary>
/// One image to draw on: the message the producer publishes and a worker consumes.
/// Versioned: a worker refuses a <see cref="SchemaVersion"/> it does not know instead of guessing.
/// Version 1 carries one caption (<see cref="Text"/> and <see cref="Style"/>); version 2 a resolved
/// <see cref="Template"/> of layers instead (ImageJobs.Contracts/README.md says why resolved).
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

    /// <summary>The newest version this build writes and reads (it reads every version from 1).</summary>
    public const int CurrentSchemaVersion = TemplateSchemaVersion;

    /// <summary>Version 2: the layers to draw, placeholders filled.</summary>
    public JobTemplate? Template { get; init; }
}
