using System.ComponentModel.DataAnnotations;

namespace ImageJobs.Producer.Access;

/// <summary>
/// The key that opens the producer's page and API. Unset, the producer is open: allowed only in
/// Development, where it listens on loopback; anywhere else it refuses to start without one.
/// </summary>
public sealed class AccessOptions
{
    public const string SectionName = "Access";

    [MinLength(16)]
    public string? Key { get; set; }
}
