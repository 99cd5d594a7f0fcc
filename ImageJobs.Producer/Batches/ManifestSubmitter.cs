using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ImageJobs.Rendering;
using ImageJobs.Storage;
using Microsoft.Extensions.Options;

namespace ImageJobs.Producer.Batches;

/// <summary>
/// A batch from a manifest: parsed, validated row by row, and each image looked up in the
/// sources container, all before anything is published. Any bad row rejects the whole manifest.
/// </summary>
public sealed class ManifestSubmitter(
    BatchSubmitter submitter,
    BlobServiceClient blobs,
    IOptions<StorageOptions> storage,
    IOptions<BatchLimits> limits)
{
    public async Task<BatchAccepted> SubmitAsync(string content, ManifestFormat format, TextStyle? style, string? idempotencyKey, CancellationToken cancellationToken,
        Webhooks.WebhookRequest? webhook = null)
    {
        var parse = ManifestParser.Parse(content, format, limits.Value);
        var errors = ManifestParser.Validate(parse, style, limits.Value);
        if (errors.Count == 0)
        {
            foreach (var (line, missing) in await MissingSourcesAsync(parse, cancellationToken))
            {
                errors[$"line {line}"] = [$"image: '{missing}' is not in container '{storage.Value.SourcesContainer}'"];
            }
        }

        if (errors.Count > 0)
        {
            throw new BatchRejectedException(errors);
        }

        return await submitter.SubmitAsync(new SubmitBatchRequest { Items = parse.Items, Style = style, Webhook = webhook }, idempotencyKey, cancellationToken);
    }

    /// <summary>Rows whose image does not exist: one listing under the names' common prefix, not one call per row.</summary>
    private async Task<List<(int Line, string Name)>> MissingSourcesAsync(ManifestParse parse, CancellationToken cancellationToken)
    {
        var names = parse.Items.Select(i => i.Source!).ToList();
        var prefix = CommonPrefix(names);
        var existing = new HashSet<string>(StringComparer.Ordinal);
        var container = blobs.GetBlobContainerClient(storage.Value.SourcesContainer);
        await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken))
        {
            existing.Add(blob.Name);
        }

        return names.Select((name, i) => (parse.Lines[i], name)).Where(row => !existing.Contains(row.name)).Take(1000).ToList();
    }

    public static string CommonPrefix(IReadOnlyList<string> names)
    {
        if (names.Count == 0)
        {
            return string.Empty;
        }

        var prefix = names[0];
        foreach (var name in names)
        {
            var length = 0;
            while (length < prefix.Length && length < name.Length && prefix[length] == name[length])
            {
                length++;
            }

            prefix = prefix[..length];
        }

        return prefix;
    }
}
