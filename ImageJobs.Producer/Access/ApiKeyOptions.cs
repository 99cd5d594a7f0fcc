using System.ComponentModel.DataAnnotations;

namespace ImageJobs.Producer.Access;

/// <summary>Named API keys (<c>ApiKeys</c>): where they are kept, how long a looked-up key is trusted, and the rate each may use.</summary>
public sealed class ApiKeyOptions
{
    public const string SectionName = "ApiKeys";

    /// <summary>The keys' table, in the batch state's storage account (Azure's rule: 3-63 letters and digits, a letter first).</summary>
    [Required, RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$")]
    public string Table { get; set; } = "apikeys";

    /// <summary>How long a replica trusts a key it looked up: a key revoked on another replica stops working there within this.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan CacheFor { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The name the single Access:Key goes by in logs, traces and its rate limit.</summary>
    [Required, RegularExpression(ApiKeyNames.Pattern)]
    public string AccessKeyName { get; set; } = "access-key";

    /// <summary>Requests per second a key may make on average, unless the key was created with its own rate.</summary>
    [Range(0.1, 100_000)]
    public double PermitsPerSecond { get; set; } = 50;

    /// <summary>Requests a key may make at once above its rate (a page loading its thumbnails).</summary>
    [Range(1, 1_000_000)]
    public int Burst { get; set; } = 500;

    /// <summary>Named keys a producer keeps at most (the listing reads them all).</summary>
    [Range(1, 10_000)]
    public int MaxKeys { get; set; } = 1_000;
}

public static class ApiKeyNames
{
    public const string Pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$";
}
