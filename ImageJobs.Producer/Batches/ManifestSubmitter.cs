using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ImageJobs.Producer.Templates;
using ImageJobs.Storage;
using Microsoft.Extensions.Options;

namespace ImageJobs.Producer.Batches;

/// <summary>A manifest read and checked: the batch its rows make, the rows with their lines, and the template they fill (null for captions).</summary>
public sealed record ManifestRows(SubmitBatchRequest Request, ManifestParse Parse, TemplatePlan? Plan);

/// <summary>
/// A batch from a manifest: parsed (for a layered template, its columns bound to the template's
/// placeholders), validated row by row, and each image looked up in the sources container, all
/// before anything is published. Any bad row rejects the whole manifest, by its line.
/// </summary>
public sealed class ManifestSubmitter(
    BatchSubmitter submitter,
    TemplatedBatches templated,
    BlobServiceClient blobs,
    IOptions<StorageOptions> storage,
    IOptions<BatchLimits> limits)
{
    public async Task<BatchAccepted> SubmitAsync(ManifestSubmission manifest, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var rows = await ReadAsync(manifest, cancellationToken);
        try
        {
            return await submitter.SubmitAsync(rows.Request, idempotencyKey, cancellationToken);
        }
        catch (BatchRejectedException ex)
        {
            // The template filled row by row: "items[12]" is the manifest's line 14.
            throw new BatchRejectedException(ManifestErrors.ByLine(ex.Errors, rows.Parse));
        }
    }

    /// <summary>
    /// The manifest's rows as a batch, checked; a stored template's version is pinned to the one read here.
    /// Without <paramref name="lookUpSources"/> the images are not looked up (a pre-flight reads each one's header instead).
    /// </summary>
    /// <exception cref="BatchRejectedException">Any problem, by line (<c>line 14</c>) or by field (<c>templateName</c>, <c>mapping.price</c>).</exception>
    public async Task<ManifestRows> ReadAsync(ManifestSubmission manifest, CancellationToken cancellationToken, bool lookUpSources = true)
    {
        var batch = manifest.Batch;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        LayeredBatchRules.Check(batch, limits.Value, (field, message) => errors[field] = [.. errors.GetValueOrDefault(field) ?? [], message]);
        if (manifest.Mapping is not null && !LayeredBatchRules.IsLayered(batch))
        {
            errors["mapping"] = ["A mapping binds a layered template's placeholders: name a templateName or give an inlineTemplate."];
        }

        if (errors.Count > 0)
        {
            throw new BatchRejectedException(errors);
        }

        var plan = await templated.PrepareAsync(batch, cancellationToken);
        ManifestParse parse;
        if (plan is null)
        {
            parse = ManifestParser.Parse(manifest.Content, manifest.Format, limits.Value);
        }
        else
        {
            var binding = new ManifestBinding(plan.Placeholders, manifest.Mapping);
            if (binding.Problems() is { Count: > 0 } mappingProblems)
            {
                throw new BatchRejectedException(mappingProblems);
            }

            parse = LayeredManifestParser.Parse(manifest.Content, manifest.Format, binding, limits.Value);
        }

        var request = batch with { Items = parse.Items, TemplateVersion = batch.TemplateName is null ? null : plan!.Version };
        errors = ManifestParser.ValidateAs(parse, request, limits.Value);
        if (errors.Count == 0 && lookUpSources)
        {
            foreach (var (line, missing) in await MissingSourcesAsync(parse, cancellationToken))
            {
                errors[ManifestErrors.Key(line)] = [$"image: '{missing}' is not in container '{storage.Value.SourcesContainer}'"];
            }
        }

        return errors.Count > 0 ? throw new BatchRejectedException(errors) : new ManifestRows(request, parse, plan);
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
