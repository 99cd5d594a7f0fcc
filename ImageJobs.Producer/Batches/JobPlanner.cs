using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ImageJobs.Contracts;
using ImageJobs.Rendering;

namespace ImageJobs.Producer.Batches;

/// <summary>Pure batch arithmetic: ids, names and texts of a batch's jobs.</summary>
public static partial class JobPlanner
{
    /// <summary>A short, sortable, unique batch id: time first, then randomness.</summary>
    public static string NewBatchId(DateTimeOffset now) =>
        $"{now:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>The batch id an idempotency key stands for: the same key, the same batch.</summary>
    public static string BatchIdForKey(string idempotencyKey) =>
        "key-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)))[..24];

    public static bool IsValidIdempotencyKey(string key) =>
        key.Length is > 0 and <= 200 && key.All(c => c is >= ' ' and <= '~');

    /// <summary>A fingerprint of the request, to tell a repeat from a different request under the same key.</summary>
    public static string RequestHash(SubmitBatchRequest request) =>
        Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(request, RequestJson)));

    private static readonly JsonSerializerOptions RequestJson = new(JsonSerializerDefaults.Web);

    public static string JobId(string batchId, int index) => $"{batchId}-{index.ToString("D6", CultureInfo.InvariantCulture)}";

    /// <summary>The index <paramref name="jobId"/> names within <paramref name="batchId"/>, or null when it is no job id of that batch.</summary>
    public static int? TryReadIndex(string batchId, string jobId)
    {
        if (jobId.Length < batchId.Length + 7 || !jobId.StartsWith(batchId, StringComparison.Ordinal) || jobId[batchId.Length] != '-')
        {
            return null;
        }

        var digits = jobId.AsSpan(batchId.Length + 1);
        return digits.Length <= 9 && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            && JobId(batchId, index) == jobId ? index : null;
    }

    /// <summary>
    /// Where a job's result goes: the batch's folder, the job's index (one source may appear
    /// many times in a batch, e.g. one certificate for many names) and the source's file name.
    /// </summary>
    public static string ResultBlob(string batchId, int index, string sourceBlob)
    {
        var fileName = sourceBlob[(sourceBlob.LastIndexOf('/') + 1)..];
        return $"{batchId}/{index.ToString("D6", CultureInfo.InvariantCulture)}-{fileName}";
    }

    /// <summary>
    /// Replaces {name}, {stem}, {index} (1-based) and {meta:key} (the blob's metadata, empty when
    /// absent) in a template; other text is kept as it is.
    /// </summary>
    public static string ApplyTemplate(string template, string sourceBlob, int index, IDictionary<string, string>? metadata = null) =>
        ApplyTemplate(template, sourceBlob, index, metadata, int.MaxValue)!;

    /// <summary>
    /// The template filled in, or null as soon as the text passes <paramref name="maxLength"/>
    /// characters: a short template that repeats {name} or {meta:key} can expand to megabytes, and
    /// is stopped before it does. One pass, so a value holding a placeholder is not expanded again.
    /// </summary>
    public static string? ApplyTemplate(string template, string sourceBlob, int index, IDictionary<string, string>? metadata, int maxLength)
    {
        var (name, stem) = NameAndStem(sourceBlob);
        var text = new StringBuilder(Math.Min(template.Length, maxLength));
        var rest = template.AsSpan();
        while (rest.Length > 0)
        {
            var open = rest.IndexOf('{');
            var literal = open < 0 ? rest : rest[..open];
            if (text.Length + literal.Length > maxLength)
            {
                return null;
            }

            text.Append(literal);
            if (open < 0)
            {
                break;
            }

            rest = rest[open..];
            var close = rest.IndexOf('}');
            var value = close < 0 ? null : Placeholder(rest[1..close], name, stem, index, metadata);
            var replaced = value ?? "{";
            if (text.Length + replaced.Length > maxLength)
            {
                return null;
            }

            text.Append(replaced);
            rest = rest[(value is null ? 1 : close + 1)..];
        }

        return text.ToString();
    }

    /// <summary>What {name} and {stem} stand for: the source's file name, and that name without its last extension.</summary>
    public static (string Name, string Stem) NameAndStem(string sourceBlob)
    {
        var name = sourceBlob[(sourceBlob.LastIndexOf('/') + 1)..];
        var dot = name.LastIndexOf('.');
        return (name, dot > 0 ? name[..dot] : name);
    }

    /// <summary>A placeholder's value, or null when the braces hold no placeholder (kept as written).</summary>
    private static string? Placeholder(ReadOnlySpan<char> inside, string name, string stem, int index, IDictionary<string, string>? metadata)
    {
        if (inside.SequenceEqual("name"))
        {
            return name;
        }

        if (inside.SequenceEqual("stem"))
        {
            return stem;
        }

        if (inside.SequenceEqual("index"))
        {
            return (index + 1).ToString(CultureInfo.InvariantCulture);
        }

        if (inside.StartsWith("meta:") && MetadataKey().IsMatch(inside[5..]))
        {
            return metadata is not null && metadata.TryGetValue(inside[5..].ToString(), out var value) ? value : string.Empty;
        }

        return null;
    }

    /// <summary>Whether a template reads blob metadata, so listing asks for it only then.</summary>
    public static bool UsesMetadata(string template) => template.Contains("{meta:", StringComparison.Ordinal);

    // Metadata keys are C# identifiers (Azure's rule).
    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex MetadataKey();

    public static IReadOnlyList<RenderJob> Plan(string batchId, IReadOnlyList<BatchItem> items, TextStyle? batchStyle, DateTimeOffset now)
    {
        var jobs = new RenderJob[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var source = item.Source!;
            var style = item.Style is null ? batchStyle : batchStyle is null ? item.Style : item.Style.Over(batchStyle);
            jobs[i] = new RenderJob(RenderJob.CaptionSchemaVersion, JobId(batchId, i), batchId, i, source, item.Text!, ResultBlob(batchId, i, source), style?.ToContract(), now);
        }

        return jobs;
    }
}
