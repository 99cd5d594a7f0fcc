using System.Globalization;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ImageJobs.Contracts;
using ImageJobs.Producer.Batches;
using ImageJobs.Producer.Fonts;
using ImageJobs.Rendering.Templates;
using ImageJobs.Storage;
using Microsoft.Extensions.Options;

namespace ImageJobs.Producer.Templates;

/// <summary>
/// A layered batch's jobs: the template it names (the exact version, read once) or carries,
/// checked; every row filled and checked on its own values; every picture the rows name looked up
/// in the sources container. Any problem rejects the batch before anything is published.
/// </summary>
public sealed class TemplatedBatches(TemplateStore store, FontStore fonts, BlobServiceClient blobs, IOptions<StorageOptions> storage, IOptions<BatchLimits> limits)
{
    /// <summary>Row problems reported at most (the rest of a bad 40,000-row batch is not worth reading).</summary>
    public const int MaxRowErrors = 1_000;

    /// <summary>The request's template ready to fill, or null for a caption batch.</summary>
    /// <exception cref="BatchRejectedException">The named template or version does not exist, or the inline one is invalid.</exception>
    public async Task<TemplatePlan?> PrepareAsync(SubmitBatchRequest request, CancellationToken cancellationToken)
    {
        if (request.InlineTemplate is null && request.TemplateName is null)
        {
            return null;
        }

        if (request.InlineTemplate is { } inline)
        {
            return Compile(inline, "inlineTemplate", null, null, request, await fonts.CatalogueAsync(inline.Layers, cancellationToken));
        }

        var name = request.TemplateName!;

        var stored = await store.GetAsync(name, request.TemplateVersion, cancellationToken)
            ?? throw Rejected(request.TemplateVersion is { } v ? "templateVersion" : "templateName",
                request.TemplateVersion is { } version ? $"Template '{name}' has no version {version}." : $"No template '{name}'.");
        return Compile(stored.Definition, "templateName", stored.Name, stored.Version, request, await fonts.CatalogueAsync(stored.Definition.Layers, cancellationToken));
    }

    /// <summary>
    /// One version-3 job per row (its values for the template <see cref="TemplatePlan.Contract"/>, which the batch stores), or a rejection naming each bad row by <paramref name="rowKey"/>
    /// (<c>items[3]</c>, <c>line 14</c>): <c>column "price" is missing</c>, <c>layers[4].value: ...</c>,
    /// a picture that is not in the sources container.
    /// </summary>
    public async Task<IReadOnlyList<RenderJob>> PlanAsync(TemplatePlan plan, string batchId, IReadOnlyList<BatchItem> items, DateTimeOffset now,
        Func<int, string> rowKey, CancellationToken cancellationToken)
    {
        var jobs = new RenderJob[items.Count];
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var pictures = new Dictionary<string, int>(StringComparer.Ordinal);
        var problems = new List<string>();
        var names = plan.NamesResults ? new Dictionary<string, int>(StringComparer.Ordinal) : null;
        for (var i = 0; i < items.Count && errors.Count < MaxRowErrors; i++)
        {
            var source = items[i].Source!;
            problems.Clear();
            var row = new TemplateRow(source, i, items[i].Values);
            var fills = plan.Fill(row, problems);
            var fileName = names is null ? null : plan.ResultName(row, problems);
            if (fileName is not null && !names!.TryAdd(ResultNames.CollisionKey(fileName), i))
            {
                problems.Add($"outputName: '{fileName}' is also the result name of {rowKey(names[ResultNames.CollisionKey(fileName)])}");
            }

            if (fills is null || problems.Count > 0)
            {
                errors[rowKey(i)] = [.. problems];
                continue;
            }

            foreach (var image in plan.Pictures(fills))
            {
                pictures.TryAdd(image, i);
            }

            var resultBlob = fileName is null ? JobPlanner.ResultBlob(batchId, i, source) : $"{batchId}/{fileName}";
            jobs[i] = new RenderJob(plan.SchemaVersion, JobPlanner.JobId(batchId, i), batchId, i, source, null, resultBlob, null, now)
            {
                Fills = fills,
            };
        }

        if (errors.Count == 0)
        {
            foreach (var (name, row) in await MissingAsync(pictures, cancellationToken))
            {
                errors.TryAdd(rowKey(row), [$"picture '{name}' is not in container '{storage.Value.SourcesContainer}'"]);
            }
        }

        return errors.Count > 0 ? throw new BatchRejectedException(errors) : jobs;
    }

    private TemplatePlan Compile(TemplateDefinition definition, string field, string? name, int? version, SubmitBatchRequest request, FontCatalogue catalogue) =>
        TemplatePlan.TryCompile(definition, limits.Value.MaxTextLength, out var errors, name, version, request.OutputName, catalogue, request.Resize)
        ?? throw new BatchRejectedException(errors.ToDictionary(
            e => IsBatchField(e.Key, request) ? e.Key : field == "inlineTemplate" ? $"{field}.{e.Key}" : field,
            e => field == "inlineTemplate" || IsBatchField(e.Key, request) ? new[] { e.Value } : [$"Template '{name}' version {version}: {e.Key}: {e.Value}"]));

    /// <summary>A problem of the batch's own output name or resize, not of its template's.</summary>
    private static bool IsBatchField(string key, SubmitBatchRequest request) =>
        (key == "outputName" && request.OutputName is not null) || (key.StartsWith("resize.", StringComparison.Ordinal) && request.Resize is not null);

    /// <summary>
    /// The pictures (with the first row naming each) that do not exist: one listing per folder they
    /// are in, or one under their common prefix when they spread over many folders, not one call per row.
    /// </summary>
    private async Task<List<(string Name, int Row)>> MissingAsync(Dictionary<string, int> pictures, CancellationToken cancellationToken)
    {
        if (pictures.Count == 0)
        {
            return [];
        }

        var folders = pictures.Keys.Select(n => n[..(n.LastIndexOf('/') + 1)]).Distinct(StringComparer.Ordinal).ToList();
        var existing = new HashSet<string>(StringComparer.Ordinal);
        var container = blobs.GetBlobContainerClient(storage.Value.SourcesContainer);
        if (folders.Count <= 20)
        {
            foreach (var folder in folders)
            {
                // Only the folder's own blobs, not those of folders below it.
                await foreach (var item in container.GetBlobsByHierarchyAsync(new GetBlobsByHierarchyOptions { Prefix = folder, Delimiter = "/" }, cancellationToken))
                {
                    if (item.IsBlob)
                    {
                        existing.Add(item.Blob.Name);
                    }
                }
            }
        }
        else
        {
            await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions { Prefix = ManifestSubmitter.CommonPrefix([.. pictures.Keys]) }, cancellationToken))
            {
                existing.Add(blob.Name);
            }
        }

        return [.. pictures.Where(p => !existing.Contains(p.Key)).OrderBy(p => p.Value).Take(MaxRowErrors).Select(p => (p.Key, p.Value))];
    }

    private static BatchRejectedException Rejected(string field, string message) =>
        new(new Dictionary<string, string[]> { [field] = [message] });
}
