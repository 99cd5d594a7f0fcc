using System.Collections.Frozen;
using ImageJobs.Storage;

namespace ImageJobs.Producer.Sources;

/// <summary>
/// Pure checks of the names uploads are stored under. A name comes from a client (a file name,
/// a zip entry, a prefix): it must stay a plain relative blob path, never climb out of its prefix.
/// </summary>
public static class SourceNames
{
    // The image files taken, and the content type each is stored and served with.
    private static readonly (string Extension, string ContentType)[] ImageTypes =
        [(".jpg", "image/jpeg"), (".jpeg", "image/jpeg"), (".png", "image/png"), (".webp", "image/webp"), (".gif", "image/gif"), (".bmp", "image/bmp")];

    private static readonly FrozenDictionary<string, string> ContentTypes =
        ImageTypes.ToFrozenDictionary(t => t.Extension, t => t.ContentType, StringComparer.OrdinalIgnoreCase);

    public static string ContentTypeOf(string name) => ContentTypes.GetValueOrDefault(Path.GetExtension(name), "application/octet-stream");

    /// <summary>A prefix: empty, or relative path segments ending with '/'.</summary>
    public static string? CheckPrefix(string? prefix, out string normalized)
    {
        normalized = string.IsNullOrEmpty(prefix) ? string.Empty : prefix.EndsWith('/') ? prefix : prefix + "/";
        return normalized.Length == 0 ? null : CheckPath(normalized.TrimEnd('/'));
    }

    /// <summary>The name an uploaded file is stored under: its last segment only (browsers may send a path).</summary>
    public static string FileName(string uploaded)
    {
        var cut = Math.Max(uploaded.LastIndexOf('/'), uploaded.LastIndexOf('\\'));
        return uploaded[(cut + 1)..];
    }

    /// <summary>
    /// Why a relative path (a file name or a zip entry) cannot be a source name, or null when it can:
    /// the blob-name check, and no ':' (a drive letter in a zip made on Windows).
    /// </summary>
    public static string? CheckPath(string path) =>
        BlobNames.Problem(path) ?? (path.Contains(':') ? "the name holds ':'" : null);

    /// <summary>Why a file is not taken as a source image (by its extension), or null.</summary>
    public static string? CheckImage(string path) =>
        ContentTypes.ContainsKey(Path.GetExtension(path))
            ? null
            : $"not an image file ({string.Join(", ", ImageTypes.Select(t => t.Extension))})";

    /// <summary>Entries a zip tool adds that are no one's images (macOS resource forks, Finder files).</summary>
    public static bool IsZipNoise(string entry) =>
        entry.StartsWith("__MACOSX/", StringComparison.Ordinal) || FileName(entry) is ".DS_Store" or "Thumbs.db";
}
