using ImageJobs.Contracts.Styles;

namespace ImageJobs.Contracts;

/// <summary>
/// One image to caption: the message the producer publishes and a worker consumes.
/// Versioned: a worker refuses a <see cref="SchemaVersion"/> it does not know instead of guessing.
/// </summary>
public sealed record RenderJob(
    int SchemaVersion,
    string JobId,
    string BatchId,
    int Index,
    string SourceBlob,
    string Text,
    string ResultBlob,
    JobStyle? Style,
    DateTimeOffset CreatedAt)
{
    public const int CurrentSchemaVersion = 1;
}
