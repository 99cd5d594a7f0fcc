using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ImageJobs.Producer.Batches;
using ImageJobs.Storage;
using Microsoft.Extensions.Options;
using Page = ImageJobs.Producer.Batches.Page<ImageJobs.Producer.Templates.TemplateSummary>;

namespace ImageJobs.Producer.Templates;

/// <summary>The template's name is taken (a create), or another save won the race every time.</summary>
public sealed class TemplateConflictException(string message) : Exception(message);

/// <summary>
/// Templates in the templates container. Every save is a new version, <c>versions/{name}/{000001}.json</c>,
/// written once and never changed, so a batch names exactly what it used; <c>current/{name}.json</c>
/// holds the newest (its version in the blob's metadata), so a list is one listing and a read one
/// download. Saves from several producers are ordered by the blobs' conditions: a version's blob is
/// created only if absent, the current one replaced only if unchanged since read.
/// </summary>
public sealed partial class TemplateStore(BlobServiceClient blobs, IOptions<StorageOptions> storage, TimeProvider time)
{
    /// <summary>A stored document larger than this is not read (the producer writes far smaller ones).</summary>
    public const int MaxDocumentBytes = 1024 * 1024;

    private const string VersionKey = "version", SavedAtKey = "savedat";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private BlobContainerClient Container => blobs.GetBlobContainerClient(storage.Value.TemplatesContainer);

    /// <summary>Why a template name is refused, or null: 1-64 lowercase letters, digits, '-' and '_', from a letter or digit.</summary>
    public static string? NameProblem(string? name) =>
        name is not null && TemplateName().IsMatch(name) ? null : "a template name is 1 to 64 lowercase letters, digits, '-' or '_', starting with a letter or digit";

    /// <summary>Saves a new version: the first (<paramref name="create"/>, refused if the name exists) or the next (null if there is none).</summary>
    /// <exception cref="TemplateConflictException">The name exists (create), or other saves kept winning.</exception>
    public async Task<StoredTemplate?> SaveAsync(string name, TemplateDefinition definition, bool create, CancellationToken cancellationToken)
    {
        var current = Container.GetBlobClient(CurrentBlob(name));
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var head = await HeadAsync(current, cancellationToken);
            if (create && head is not null)
            {
                throw new TemplateConflictException($"A template named '{name}' exists; update it with PUT /api/templates/{name}.");
            }

            if (!create && head is null)
            {
                return null;
            }

            var stored = new StoredTemplate(name, 0, time.GetUtcNow(), definition.Layers!, definition.Output, definition.OutputName);
            stored = await CreateVersionAsync(stored with { Version = (head?.Version ?? 0) + 1 }, cancellationToken);
            try
            {
                var conditions = head is null ? new BlobRequestConditions { IfNoneMatch = ETag.All } : new BlobRequestConditions { IfMatch = head.Value.ETag };
                await current.UploadAsync(BinaryData.FromObjectAsJson(stored, Json), new BlobUploadOptions
                {
                    Conditions = conditions,
                    HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
                    Metadata = new Dictionary<string, string>
                    {
                        [VersionKey] = stored.Version.ToString(CultureInfo.InvariantCulture),
                        [SavedAtKey] = stored.SavedAt.ToString("O", CultureInfo.InvariantCulture),
                    },
                }, cancellationToken);
                return stored;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // Another save moved the current version on: read it again and save after it.
                if (create)
                {
                    throw new TemplateConflictException($"A template named '{name}' was just created by another request.");
                }
            }
        }

        throw new TemplateConflictException($"Template '{name}' is being saved by other requests; try again.");
    }

    /// <summary>The newest version, or the one asked for; null when there is none.</summary>
    public async Task<StoredTemplate?> GetAsync(string name, int? version, CancellationToken cancellationToken)
    {
        var blob = Container.GetBlobClient(version is { } v ? VersionBlob(name, v) : CurrentBlob(name));
        try
        {
            var properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken);
            if (properties.Value.ContentLength > MaxDocumentBytes)
            {
                throw new InvalidDataException($"Template blob '{blob.Name}' is {properties.Value.ContentLength:N0} bytes, more than {MaxDocumentBytes:N0}.");
            }

            var content = await blob.DownloadContentAsync(new BlobDownloadOptions { Conditions = new BlobRequestConditions { IfMatch = properties.Value.ETag } }, cancellationToken);
            return content.Value.Content.ToObjectFromJson<StoredTemplate>(Json);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Every template's newest version, by name, <paramref name="limit"/> at a time.</summary>
    public async Task<Page> ListAsync(int limit, string? continuation, CancellationToken cancellationToken)
    {
        var listing = Container.GetBlobsAsync(new GetBlobsOptions { Prefix = CurrentPrefix, Traits = BlobTraits.Metadata }, cancellationToken);
        await foreach (var page in listing.AsPages(continuation, limit))
        {
            var items = page.Values.Select(Summary).OfType<TemplateSummary>().ToList();
            return new Page(items, string.IsNullOrEmpty(page.ContinuationToken) ? null : page.ContinuationToken);
        }

        return new Page([], null);
    }

    /// <summary>Deletes every version; false when there was none. Batches already published keep their resolved jobs.</summary>
    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        var existed = (await Container.GetBlobClient(CurrentBlob(name)).DeleteIfExistsAsync(cancellationToken: cancellationToken)).Value;
        await foreach (var blob in Container.GetBlobsAsync(new GetBlobsOptions { Prefix = $"versions/{name}/" }, cancellationToken))
        {
            await Container.GetBlobClient(blob.Name).DeleteIfExistsAsync(cancellationToken: cancellationToken);
            existed = true;
        }

        return existed;
    }

    /// <summary>The version's blob, created only if absent: a version another save took is skipped for the next.</summary>
    private async Task<StoredTemplate> CreateVersionAsync(StoredTemplate stored, CancellationToken cancellationToken)
    {
        for (var tries = 0; ; tries++)
        {
            try
            {
                await Container.GetBlobClient(VersionBlob(stored.Name, stored.Version)).UploadAsync(BinaryData.FromObjectAsJson(stored, Json), new BlobUploadOptions
                {
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                    HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
                }, cancellationToken);
                return stored;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && tries < 20)
            {
                stored = stored with { Version = stored.Version + 1 };
            }
        }
    }

    private static async Task<(int Version, ETag ETag)?> HeadAsync(BlobClient current, CancellationToken cancellationToken)
    {
        try
        {
            var properties = (await current.GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
            return (VersionOf(properties.Metadata) ?? throw new InvalidDataException($"Template blob '{current.Name}' has no version."), properties.ETag);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    private static TemplateSummary? Summary(BlobItem blob) =>
        VersionOf(blob.Metadata) is { } version
        && blob.Metadata.TryGetValue(SavedAtKey, out var at) && DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var savedAt)
            ? new TemplateSummary(blob.Name[CurrentPrefix.Length..^".json".Length], version, savedAt)
            : null;

    private static int? VersionOf(IDictionary<string, string>? metadata) =>
        metadata is not null && metadata.TryGetValue(VersionKey, out var text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : null;

    private const string CurrentPrefix = "current/";

    private static string CurrentBlob(string name) => $"{CurrentPrefix}{name}.json";

    private static string VersionBlob(string name, int version) => $"versions/{name}/{version.ToString("D6", CultureInfo.InvariantCulture)}.json";

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex TemplateName();
}
