using System.ComponentModel.DataAnnotations;

namespace ImageJobs.Producer.Batches;

/// <summary>Limits on what one request may ask for, bound from <c>Batches</c>.</summary>
public sealed class BatchLimits
{
    public const string SectionName = "Batches";

    [Range(1, 1_000_000)]
    public int MaxJobsPerBatch { get; set; } = 100_000;

    [Range(1, 100_000)]
    public int MaxTextLength { get; set; } = 2_000;

    [Range(1, 1024)]
    public int MaxBlobNameLength { get; set; } = 1024;
}
