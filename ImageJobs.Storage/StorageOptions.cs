using System.ComponentModel.DataAnnotations;

namespace ImageJobs.Storage;

/// <summary>Blob containers of the system; the AppHost sets them, these are the defaults.</summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>The connection name of the blob service (ConnectionStrings:blobs).</summary>
    public const string ConnectionName = "blobs";

    [Required, RegularExpression(ContainerNamePattern)]
    public string SourcesContainer { get; set; } = "sources";

    [Required, RegularExpression(ContainerNamePattern)]
    public string ResultsContainer { get; set; } = "results";

    /// <summary>Where the producer keeps batch definitions and outcome logs.</summary>
    [Required, RegularExpression(ContainerNamePattern)]
    public string BatchesContainer { get; set; } = "batches";

    /// <summary>Where the producer keeps templates, every saved version (the workers never read it: jobs carry their resolved template).</summary>
    [Required, RegularExpression(ContainerNamePattern)]
    public string TemplatesContainer { get; set; } = "templates";

    /// <summary>Where the producer writes each batch's control (paused, cancelled) and the workers read it; nothing else is kept there.</summary>
    [Required, RegularExpression(ContainerNamePattern)]
    public string ControlsContainer { get; set; } = "controls";

    /// <summary>Uploaded fonts, one blob per face named by its content (the producer writes them; workers and previews read them).</summary>
    [Required, RegularExpression(ContainerNamePattern)]
    public string FontsContainer { get; set; } = "fonts";

    /// <summary>
    /// Appends per outcome log before the next one is started: an append blob takes at most 50,000
    /// blocks, and a slow batch of 100,000 jobs can append once per outcome.
    /// </summary>
    [Range(2, 50_000)]
    public int MaxBlocksPerOutcomeLog { get; set; } = 50_000;

    // Azure's rule: 3-63 characters, lowercase letters, digits and single hyphens.
    private const string ContainerNamePattern = "^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$";
}
