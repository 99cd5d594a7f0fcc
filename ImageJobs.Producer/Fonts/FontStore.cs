using System.Globalization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ImageJobs.Rendering;
using ImageJobs.Storage;
using Microsoft.Extensions.Options;

namespace ImageJobs.Producer.Fonts;

/// <summary>A face of the same family, weight and style exists with other bytes: delete it first.</summary>
public sealed class FontConflictException(FontFace existing)
    : Exception($"The font family '{existing.Family}' already has a {existing.Weight} {existing.Style} face ({existing.Id}); delete it first.");

/// <summary>
/// The <c>fonts</c> container: one blob per face, named by the SHA-256 of its bytes (so an upload is
/// idempotent and workers cache by name), with what the font says it is (family, weight, style) as metadata.
/// </summary>
public sealed class FontStore(BlobServiceClient blobs, IOptions<StorageOptions> storage, TimeProvider time)
{
    /// <summary>Faces kept at most: each costs a listing entry on every save and submission naming an uploaded family.</summary>
    public const int MaxFaces = 1_000;

    private BlobContainerClient Container => blobs.GetBlobContainerClient(storage.Value.FontsContainer);

    /// <summary>Stores a checked face; an identical upload returns the face stored before (<c>Created</c> false).</summary>
    /// <exception cref="FontConflictException">Another face of the same family, weight and style exists.</exception>
    /// <exception cref="InvalidOperationException">The store holds <see cref="MaxFaces"/> faces.</exception>
    public async Task<(FontFace Face, bool Created)> SaveAsync(byte[] data, FontFaceInfo info, CancellationToken cancellationToken)
    {
        var id = FontFiles.NameFor(data, info.Extension);
        var style = info.Italic ? "italic" : "normal";
        var faces = await ListAsync(cancellationToken);
        if (faces.FirstOrDefault(f => f.Id == id) is { } same)
        {
            return (same, false);
        }

        if (faces.FirstOrDefault(f => f.Weight == info.Weight && f.Style == style && string.Equals(f.Family, info.Family, StringComparison.OrdinalIgnoreCase)) is { } existing)
        {
            throw new FontConflictException(existing);
        }

        if (faces.Count >= MaxFaces)
        {
            throw new InvalidOperationException($"The fonts container holds {MaxFaces:N0} faces, the most it may; delete some first.");
        }

        var now = time.GetUtcNow();
        try
        {
            await Container.GetBlobClient(id).UploadAsync(BinaryData.FromBytes(data), new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = info.Extension == "otf" ? "font/otf" : "font/ttf" },
                // Metadata is ASCII: the family is stored escaped.
                Metadata = new Dictionary<string, string>
                {
                    ["family"] = Uri.EscapeDataString(info.Family),
                    ["weight"] = info.Weight.ToString(CultureInfo.InvariantCulture),
                    ["style"] = style,
                    ["glyphs"] = info.Glyphs.ToString(CultureInfo.InvariantCulture),
                    ["uploaded"] = now.ToString("O", CultureInfo.InvariantCulture),
                },
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            }, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Uploaded at the same moment by another request: the same bytes, so the same face.
        }

        return (new FontFace(id, info.Family, info.Weight, style, info.Glyphs, data.Length, now), true);
    }

    /// <summary>Every face, by family, weight and style.</summary>
    public async Task<IReadOnlyList<FontFace>> ListAsync(CancellationToken cancellationToken)
    {
        var faces = new List<FontFace>();
        await foreach (var blob in Container.GetBlobsAsync(new GetBlobsOptions { Traits = BlobTraits.Metadata }, cancellationToken))
        {
            if (FontFiles.IsFontName(blob.Name) && Read(blob) is { } face)
            {
                faces.Add(face);
            }
        }

        return [.. faces.OrderBy(f => f.Family, StringComparer.OrdinalIgnoreCase).ThenBy(f => f.Style, StringComparer.Ordinal).ThenBy(f => f.Weight)];
    }

    /// <summary>The faces <paramref name="layers"/> may name; no listing when they name no uploaded family.</summary>
    public async Task<FontCatalogue> CatalogueAsync(IReadOnlyList<ImageJobs.Contracts.Templates.JobLayer?>? layers, CancellationToken cancellationToken) =>
        FontCatalogue.MayBeNeeded(layers) ? new(await ListAsync(cancellationToken)) : FontCatalogue.Empty;

    /// <summary>Deletes a face; jobs already published that use it then fail with <c>font.missing</c>.</summary>
    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken) =>
        FontFiles.IsFontName(id) && (await Container.GetBlobClient(id).DeleteIfExistsAsync(cancellationToken: cancellationToken)).Value;

    private static FontFace? Read(BlobItem blob)
    {
        var metadata = blob.Metadata;
        return metadata is not null
            && metadata.TryGetValue("family", out var family)
            && metadata.TryGetValue("weight", out var weightText) && int.TryParse(weightText, NumberStyles.None, CultureInfo.InvariantCulture, out var weight)
            && metadata.TryGetValue("style", out var style)
            ? new FontFace(blob.Name, Uri.UnescapeDataString(family), weight, style,
                metadata.TryGetValue("glyphs", out var glyphs) && int.TryParse(glyphs, NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : 0,
                blob.Properties.ContentLength ?? 0,
                metadata.TryGetValue("uploaded", out var uploaded) && DateTimeOffset.TryParse(uploaded, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at) ? at : blob.Properties.CreatedOn)
            : null;
    }
}
