using System.Collections.Frozen;

namespace ImageJobs.Producer.Sources;

/// <summary>
/// Pure checks of the names uploads are stored under. A name comes from a client (a file name,
/// a zip entry, a prefix): it must stay a plain relative blob path, never climb out of its prefix.
/// </summary>
public static class SourceNames
{
    public const int MaxLength = 1024;

    // The image files taken, and the content type each is stored and served with.
    private static readonly (string Extension, string ContentType)[] ImageTypes =
        [(".jpg", "image/jpeg"), (".jpeg", "image/jpeg"), (".png", "image/png"), (".webp", "image/webp"), (".gif", "image/gif"), (".bmp", "image/bmp")];

    private static readonly FrozenDictionary<string, string> ContentTypes =
        ImageTypes.ToFrozenDictionary(t => t.Extension, t => t.ContentType, StringComparer.OrdinalIgnoreCase);

    public static string ContentTypeOf(string name) => ContentTypes.GetValueOrDefault(Path.GetExtension(name), "application/octet-stream");

    /// <summary>Whether the text holds a character char.IsControl accepts (C0, DEL or C1).</summary>
    public static bool HasControlCharacter(string text) =>
        text.AsSpan().IndexOfAnyInRange('\u0000', '\u001f') >= 0 || text.AsSpan().IndexOfAnyInRange('\u007f', '\u009f') >= 0;

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

    /// <summary>Why a relative path (a file name or a zip entry) cannot be a source name, or null when it can.</summary>
    public static string? CheckPath(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return "the name is empty";
        }

        if (path.Length > MaxLength)
        {
            return $"the name is longer than {MaxLength} characters";
        }

        if (HasControlCharacter(path) || path.Contains('\\') || path.Contains(':'))
        {
            return "the name holds a control character, '\\' or ':'";
        }

        if (path.StartsWith('/') || path.Split('/').Any(segment => segment is "" or "." or ".."))
        {
            return "the name is not a plain relative path (absolute, empty segment, '.' or '..')";
        }

        return null;
    }

    /// <summary>Why a file is not taken as a source image (by its extension), or null.</summary>
    public static string? CheckImage(string path) =>
        ContentTypes.ContainsKey(Path.GetExtension(path))
            ? null
            : $"not an image file ({string.Join(", ", ImageTypes.Select(t => t.Extension))})";

    /// <summary>Entries a zip tool adds that are no one's images (macOS resource forks, Finder files).</summary>
    public static bool IsZipNoise(string entry) =>
        entry.StartsWith("__MACOSX/", StringComparison.Ordinal) || FileName(entry) is ".DS_Store" or "Thumbs.db";
}
